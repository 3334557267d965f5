"""The annex documents of the procedures (川安监函〔2024〕162号 附件1–4, 100号 附件1, 2, 4, 5)
as Word files an official prints, signs and seals, generated from a case's data.

    specs       the document specs in forms/documents/<kind>.json (data, not code)
    context     the values a spec fills in, read from the case (enterprise, entry,
                sign-offs, case data), ID numbers masked unless the caller may read them
    render      spec + values → DOCX bytes (python-docx, 宋体 for East Asian text,
                reproducible bytes for the same case, values and instant)
    generation  generate_for_case / generate_for_task: scope as the case; a document for a
                signed or sealed step records its signer and SHA-256
    availability  case_documents: the documents a case's procedure uses, which are ready
                  (every value they print is known) and what was recorded for signed steps

docs/publication.md (section "Annex documents") is the guide.
"""
