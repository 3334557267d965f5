"""Reading uploaded XML without trusting it. Uploads are refused over a size limit, and any
DOCTYPE (hence every entity trick: external entities, parameter entities, billion laughs,
quadratic blow-up) is refused by expat through defusedxml before lxml sees a byte; lxml then
parses with entities, DTDs and the network switched off. XInclude elements are refused, never
processed."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from lxml import etree

XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")


class XmlRefused(Exception):
    """The upload is not XML we will read; message says why (and where, when known)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _lxml_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep state and are not safe to share across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def read_xml(data: bytes | str, *, max_bytes: int) -> etree._Element:
    """The root element of data, for SpiffWorkflow's add_bpmn_xml / add_dmn_xml.
    Raises XmlRefused for anything oversize, DTD-bearing, XInclude-bearing or malformed."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise XmlRefused(f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    if not data.strip():
        raise XmlRefused("the file is empty")
    _refuse_dtd(data)
    try:
        root = etree.fromstring(data, parser=_lxml_parser())
    except etree.XMLSyntaxError as err:
        line, column = err.position if err.position else (err.lineno, 0)
        raise XmlRefused(f"malformed XML at line {line}, column {column}: {err.msg}") from None
    if root is None:
        raise XmlRefused("the file holds no XML element")
    _refuse_xinclude(root)
    return root


def _refuse_dtd(data: bytes) -> None:
    """expat stops at the DOCTYPE's first byte, before any entity is declared or expanded."""
    try:
        DefusedElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                      forbid_external=True)
    except DefusedXmlException as err:
        raise XmlRefused(f"{_dtd_reason(err)}: DOCTYPE, entity declarations and external "
                         "references are not accepted") from None
    except ParseError as err:
        line, column = err.position
        reason = str(err).split(":")[0]
        raise XmlRefused(f"malformed XML at line {line}, column {column}: {reason}") from None


def _dtd_reason(err: DefusedXmlException) -> str:
    if isinstance(err, DTDForbidden):
        return f"the file has a DOCTYPE declaration ({err.name})"
    if isinstance(err, EntitiesForbidden):
        return f"the file declares the entity {err.name}"
    if isinstance(err, ExternalReferenceForbidden):
        return f"the file refers to the external resource {err.sysid}"
    return f"unsafe XML ({type(err).__name__})"


def _refuse_xinclude(root: etree._Element) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace = etree.QName(element).namespace
        if namespace in XINCLUDE_NAMESPACES:
            raise XmlRefused(f"XInclude is not accepted (line {element.sourceline})")
