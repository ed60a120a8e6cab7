"""INN, OGRN, СНИЛС and phones: known numbers and properties (DOMAIN.md «Identifiers and data»)."""
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sreda.core.identifiers import (
    format_phone, format_snils, make_ogrn, make_org_inn, make_snils, mask_snils, snils_checksum,
    validate_inn, validate_ogrn, validate_org_inn, validate_phone, validate_snils,
)

# Published, real numbers: ИНН and ОГРН of Сбербанк, ФНС's own example of a personal INN.
KNOWN_VALID_ORG_INN = ["7707083893", "7736207543", "7830002293"]
KNOWN_VALID_PERSON_INN = ["500100732259", "773370857141"]
KNOWN_VALID_OGRN = ["1027700132195", "1027739609391"]
KNOWN_VALID_SNILS = ["112-233-445 95", "11223344595", "087-654-303 00"]


@pytest.mark.parametrize("inn", KNOWN_VALID_ORG_INN)
def test_known_organisation_inn_is_accepted(inn):
    assert validate_org_inn(inn) == inn


@pytest.mark.parametrize("inn", KNOWN_VALID_PERSON_INN)
def test_known_personal_inn_is_accepted_but_not_for_an_organisation(inn):
    assert validate_inn(inn) == inn
    with pytest.raises(ValidationError, match="должно быть 10 цифр"):
        validate_org_inn(inn)


@pytest.mark.parametrize("ogrn", KNOWN_VALID_OGRN)
def test_known_ogrn_is_accepted(ogrn):
    assert validate_ogrn(ogrn) == ogrn


@pytest.mark.parametrize("snils", KNOWN_VALID_SNILS)
def test_known_snils_is_accepted_with_or_without_separators(snils):
    assert validate_snils(snils) == snils.replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "value, validator, message",
    [
        ("7707083894", validate_org_inn, "контрольное число"),
        ("770708389", validate_org_inn, "указано 9"),
        ("77070838AB", validate_org_inn, "только цифры"),
        ("1027700132196", validate_ogrn, "контрольная цифра"),
        ("112-233-445 96", validate_snils, "контрольное число"),
        ("1122334459", validate_snils, "указано 10"),
        ("123", validate_phone, "10 цифр"),
    ],
)
def test_invalid_numbers_are_rejected_saying_which_and_why(value, validator, message):
    with pytest.raises(ValidationError) as exc:
        validator(value)
    text = exc.value.messages[0]
    assert value in text and message in text


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_numbers_always_validate(seed):
    rng = random.Random(seed)
    assert validate_org_inn(make_org_inn(rng))
    assert validate_ogrn(make_ogrn(rng))
    assert validate_snils(make_snils(rng))


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_always_caught(seed, delta):
    rng = random.Random(seed)
    for number, validator in ((make_org_inn(rng), validate_org_inn), (make_ogrn(rng), validate_ogrn)):
        broken = number[:-1] + str((int(number[-1]) + delta) % 10)
        with pytest.raises(ValidationError):
            validator(broken)


@given(st.integers(min_value=1_002_000, max_value=999_999_999))
def test_snils_checksum_is_two_digits_and_round_trips_through_formatting(first):
    nine = str(first).zfill(9)
    number = nine + snils_checksum(nine)
    assert len(snils_checksum(nine)) == 2
    assert validate_snils(format_snils(number)) == number


def test_snils_is_masked_in_lists():
    assert mask_snils("11223344595") == "***-***-445 **"


@pytest.mark.parametrize("raw", ["+7 (912) 345-67-89", "89123456789", "9123456789", "+79123456789"])
def test_phones_are_accepted_with_or_without_separators(raw):
    assert validate_phone(raw) == "+79123456789"
    assert format_phone(validate_phone(raw)) == "+7 (912) 345-67-89"
