"""The SCIM filter parser and PATCH applier on their own (RFC 7644 §3.4.2.2, §3.5.2)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sreda.api.scim.filters import Comparison, FilterError, Logical, parse_filter
from sreda.api.scim.mapping import ScimError
from sreda.api.scim.patch import apply, group_member_changes


def test_and_binds_tighter_than_or_and_parentheses_group():
    node = parse_filter('userName eq "a" or name.familyName sw "Ив" and active eq true')
    assert node == Logical("or", Comparison("userName", "eq", "a"),
                           Logical("and", Comparison("name.familyName", "sw", "Ив"), Comparison("active", "eq", True)))
    grouped = parse_filter('(userName eq "a" or userName eq "b") and externalId co "x\\"y"')
    assert grouped.operator == "and" and grouped.right == Comparison("externalId", "co", 'x"y')


@given(st.text(max_size=60))
def test_any_text_parses_or_is_a_filter_error(text):
    """Bad input is a 400 invalidFilter, never a crash."""
    try:
        parse_filter(text)
    except FilterError:
        pass


def test_patch_paths_with_filters_extensions_and_no_path():
    doc = {"userName": "a", "emails": [{"value": "x@a.ru"}, {"value": "y@a.ru"}],
           "urn:sreda:params:scim:schemas:extension:2.0:User": {"role": "staff"}}
    out = apply(doc, [
        {"op": "replace", "path": 'emails[value eq "y@a.ru"].value', "value": "z@a.ru"},
        {"op": "replace", "path": "urn:sreda:params:scim:schemas:extension:2.0:User:role", "value": "teacher"},
        {"op": "add", "path": None, "value": {"NAME": {"familyName": "И"}}},
        {"op": "remove", "path": 'emails[value eq "x@a.ru"]', "value": None},
    ])
    assert out["emails"] == [{"value": "z@a.ru"}]
    assert out["urn:sreda:params:scim:schemas:extension:2.0:User"]["role"] == "teacher"
    assert out["NAME"] == {"familyName": "И"} and doc["emails"][0] == {"value": "x@a.ru"}  # the input is untouched
    with pytest.raises(ScimError) as error:
        apply(doc, [{"op": "replace", "path": 'emails[value eq "none"].value', "value": "q"}])
    assert error.value.scim_type == "noTarget"
    with pytest.raises(ScimError):
        apply(doc, [{"op": "add", "path": "urn:unknown:schema:attr", "value": 1}])


def test_group_member_changes_add_remove_replace():
    ops = [{"op": "add", "path": "members", "value": [{"value": "3"}, {"value": "4"}]},
           {"op": "remove", "path": 'members[value eq "1"]', "value": None}]
    assert group_member_changes(ops, ["1", "2"]) == (["3", "4"], ["1"])
    assert group_member_changes([{"op": "replace", "path": "members", "value": [{"value": "2"}]}], ["1", "2"]) == ([], ["1"])
    assert group_member_changes([{"op": "remove", "path": "members", "value": None}], ["1", "2"]) == ([], ["1", "2"])
    with pytest.raises(ScimError):
        group_member_changes([{"op": "replace", "path": "displayName", "value": "x"}], [])
