from __future__ import annotations

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document
from soxtrail.sources.reader import Node

DOC = Document(content=b"", origin="events.ndjson", line=4)
DATA = {
    "pull_request": {"number": "12", "title": None, "labels": [{"name": 1}], "a/b": {"x": True}},
    "list": [1, 2],
}


def node() -> Node:
    return Node(DATA, DOC)


def test_wrong_type_names_file_line_pointer_and_value() -> None:
    with pytest.raises(InputError) as info:
        node().obj("pull_request").req_int("number")
    err = info.value
    assert (err.file, err.position) == ("events.ndjson", "line 4, /pull_request/number")
    assert err.problem == 'expected an integer, got string "12"'
    assert (
        str(err)
        == 'events.ndjson: line 4, /pull_request/number: expected an integer, got string "12"'
    )


def test_missing_and_null_required_keys() -> None:
    with pytest.raises(InputError, match="/pull_request/state: missing required key"):
        node().obj("pull_request").req_str("state")
    with pytest.raises(InputError, match="/pull_request/title: required value is null"):
        node().obj("pull_request").req_str("title")


def test_optional_accessors_accept_absent_and_null_but_not_wrong_types() -> None:
    pr = node().obj("pull_request")
    assert pr.opt_str("title") is None
    assert pr.opt_str("body") is None
    with pytest.raises(InputError, match="expected a string, got integer 12"):
        Node({"a": 12}, DOC).opt_str("a")


def test_pointer_escaping_and_array_positions() -> None:
    pr = node().obj("pull_request")
    with pytest.raises(
        InputError, match=r"/pull_request/a~1b/x: expected a string, got boolean true"
    ):
        pr.obj("a/b").req_str("x")
    labels = list(pr.items("labels"))
    with pytest.raises(InputError, match="/pull_request/labels/0/name: expected a string"):
        labels[0].req_str("name")


def test_items_requires_an_array() -> None:
    with pytest.raises(InputError, match="/pull_request: expected an array, got object"):
        list(node().items("pull_request"))


def test_bool_is_not_an_integer() -> None:
    with pytest.raises(InputError, match="expected an integer, got boolean true"):
        Node({"n": True}, DOC).req_int("n")


def test_ids_accept_strings_and_integers() -> None:
    assert Node({"id": 7}, DOC).req_id("id") == "7"
    assert Node({"id": "x7"}, DOC).req_id("id") == "x7"


def test_instants() -> None:
    with pytest.raises(InputError, match=r"/when: not a timestamp: 'soon'"):
        Node({"when": "soon"}, DOC).instant("when")
    assert Node({"when": ""}, DOC).opt_instant("when") is None
