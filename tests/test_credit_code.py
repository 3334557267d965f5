"""The national identifiers an enterprise record carries: its unified social credit code
(GB 32100) and its people's resident ID numbers (GB 11643). A wrong number is refused with
a message that says which character is wrong and, for a check character, what it should be."""

from __future__ import annotations

from datetime import date

import pytest

from orchestrator.errors import InvalidInput
from orchestrator.organisation.credit_code import (
    CHARSET,
    check_character,
    make_credit_code,
    organisation_check_character,
    validate_credit_code,
)
from orchestrator.organisation.id_number import (
    make_id_number,
    mask_id_number,
    validate_id_number,
)

# Codes published online (business licences, listed in python-stdnum's test data); each
# passes both the GB 32100 check and its organisation code's GB 11714 check.
PUBLISHED_CODES = [
    "91110000600037341L",
    "9144030071526726XG",
    "91310115MA1K3BTP2B",
    "121200004013590816",  # authority 1 (机构编制), type 2 (事业单位)
    "92340602MA2PBMEM24",  # an individual business (个体工商户)
    "91620105L015101280",
    "91340603MA2UJXXCXF",  # X as organisation check and as check character
]


def _reason(error: pytest.ExceptionInfo) -> str:
    return error.value.message


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_validate(code):
    assert validate_credit_code(code) == code
    assert make_credit_code(code[:17]) == code


def test_credit_code_is_normalised_before_checking():
    assert validate_credit_code(" 91 110000 60003734-1l ") == "91110000600037341L"
    assert validate_credit_code("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


@pytest.mark.parametrize("code, length", [("91110000600037341", 17), ("91110000600037341LL", 19)])
def test_credit_code_of_wrong_length_names_the_length(code, length):
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(code)
    assert _reason(error) == f"credit code must have 18 characters, not {length}"
    assert error.value.details == {"credit_code": _reason(error)}


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_charset_are_named_with_their_position(letter):
    code = "91110000600037341L"
    corrupted = code[:9] + letter + code[10:]
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(corrupted)
    assert _reason(error).startswith(f"bad character '{letter}' at position 10")


def test_wrong_check_character_says_which_was_expected():
    with pytest.raises(InvalidInput) as error:
        validate_credit_code("91110000600037341M")
    assert _reason(error) == "wrong check character at position 18: expected L, got M"


def test_every_single_character_substitution_is_refused():
    code = "91310115MA1K3BTP2B"
    for position in range(18):
        for character in CHARSET:
            if character != code[position]:
                corrupted = code[:position] + character + code[position + 1 :]
                with pytest.raises(InvalidInput):
                    validate_credit_code(corrupted)


def test_every_adjacent_transposition_is_refused():
    code = "9144030071526726XG"
    for position in range(17):
        if code[position] != code[position + 1]:
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            with pytest.raises(InvalidInput):
                validate_credit_code(swapped)


def _with_valid_check(prefix17: str) -> str:
    """A code whose final check is right, to reach the structural checks."""
    return prefix17 + check_character(prefix17)


def test_unknown_registration_authority_is_named():
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(_with_valid_check("B1110000600037341"))
    assert _reason(error) == "unknown registration authority code 'B' at position 1"


def test_type_code_must_belong_to_the_registration_authority():
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(_with_valid_check("95110000600037341"))
    assert _reason(error).startswith(
        "type code '5' at position 2 is not defined for registration authority 9"
    )


def test_administrative_division_must_be_digits():
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(_with_valid_check("9151A703600037341"))
    assert "positions 3-8 must be 6 digits" in _reason(error)


def test_organisation_code_check_is_verified_on_its_own():
    # Position 17 changed and position 18 recomputed: only GB 11714 notices.
    corrupted = _with_valid_check("91110000600037342")
    with pytest.raises(InvalidInput) as error:
        validate_credit_code(corrupted)
    assert _reason(error) == (
        "wrong organisation code check character at position 17: expected 1, got 2"
    )


def test_make_credit_code_computes_the_check_and_refuses_a_bad_prefix():
    body = "MA62K8N1"
    code = make_credit_code(f"91510703{body}{organisation_check_character(body)}")
    assert validate_credit_code(code) == code
    with pytest.raises(InvalidInput, match="position 17"):
        make_credit_code("9151070300000000Y")
    with pytest.raises(InvalidInput, match="17 characters"):
        make_credit_code("915107030000")


def test_credit_code_must_be_text():
    with pytest.raises(InvalidInput):
        validate_credit_code(None)


# --- resident ID numbers (GB 11643) ---------------------------------------------------

# The two examples printed in GB 11643-1999 itself.
STANDARD_EXAMPLES = ["11010519491231002X", "440524188001010014"]


@pytest.mark.parametrize("number", STANDARD_EXAMPLES)
def test_standard_examples_validate(number):
    assert validate_id_number(number) == number
    assert make_id_number(number[:17]) == number


def test_lower_case_x_is_accepted_and_upper_cased():
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    "number, reason",
    [
        ("1101051949123100", "ID number must have 18 characters, not 16"),
        ("1101X519491231002X", "bad character 'X' at position 5: must be a digit"),
        ("11010519491231002A", "bad character 'A' at position 18: must be a digit or X"),
        ("001051194912310020", "unknown province code '00' at positions 1-2"),
        ("510703198002300013", "birth date '19800230' at positions 7-14 is not a date"),
        ("510703170001010013", "birth date 1700-01-01 at positions 7-14 is not plausible"),
        ("110105194912310021", "wrong check character at position 18: expected X, got 1"),
    ],
)
def test_corrupted_id_numbers_name_the_problem(number, reason):
    with pytest.raises(InvalidInput) as error:
        validate_id_number(number, field="principal_id_number")
    assert error.value.message == f"principal_id_number: {reason}"
    assert error.value.details == {"principal_id_number": reason}


def test_birth_after_the_given_day_is_refused():
    number = make_id_number("51070320300101001")
    with pytest.raises(InvalidInput, match="not plausible"):
        validate_id_number(number, on=date(2026, 1, 1))


def test_every_single_digit_substitution_is_refused():
    number = "510703196804120310"
    for position in range(18):
        for digit in "0123456789X":
            if digit != number[position] and (digit != "X" or position == 17):
                corrupted = number[:position] + digit + number[position + 1 :]
                with pytest.raises(InvalidInput):
                    validate_id_number(corrupted)


def test_masked_id_number_keeps_the_first_six_and_last_four():
    assert mask_id_number("510703196804121234") == "510703********1234"
    assert mask_id_number("123") == "***"
    assert mask_id_number("") == ""
