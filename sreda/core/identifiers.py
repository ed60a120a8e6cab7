"""Russian identifiers: INN, OGRN, СНИЛС; phones. Validation with messages that say which and why.

INN and OGRN use python-stdnum; СНИЛС is not in stdnum, so its checksum is computed here.
"""
import re

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

_NON_DIGITS = re.compile(r"\D+")


def digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def _only_digits(value: str, label: str) -> str:
    cleaned = re.sub(r"[\s\-]", "", value or "")
    if not cleaned.isdigit():
        raise ValidationError(f"{label} «{value}»: допустимы только цифры.", code="not_digits")
    return cleaned


def validate_inn(value: str, *, length: int | None = None) -> str:
    """Return the INN as digits; 10 digits for an organisation, 12 for a person."""
    number = _only_digits(value, "ИНН")
    if len(number) not in (10, 12) or (length and len(number) != length):
        expected = f"{length}" if length else "10 (организация) или 12 (физическое лицо)"
        raise ValidationError(
            f"ИНН «{value}»: должно быть {expected} цифр, а указано {len(number)}.", code="inn_length"
        )
    try:
        stdnum_inn.validate(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            f"ИНН «{value}»: не сходится контрольное число — проверьте, нет ли опечатки.", code="inn_checksum"
        ) from None
    return number


def validate_org_inn(value: str) -> str:
    return validate_inn(value, length=10)


def validate_ogrn(value: str) -> str:
    number = _only_digits(value, "ОГРН")
    if len(number) not in (13, 15):
        raise ValidationError(
            f"ОГРН «{value}»: должно быть 13 цифр (ОГРНИП — 15), а указано {len(number)}.", code="ogrn_length"
        )
    try:
        stdnum_ogrn.validate(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            f"ОГРН «{value}»: не сходится контрольная цифра — проверьте, нет ли опечатки.", code="ogrn_checksum"
        ) from None
    return number


def snils_checksum(first_nine: str) -> str:
    """The two check digits of a СНИЛС from its first nine digits (Pension Fund rule)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(first_nine))
    if total < 100:
        check = total
    elif total in (100, 101):
        check = 0
    else:
        check = total % 101
        if check == 100:
            check = 0
    return f"{check:02d}"


def validate_snils(value: str) -> str:
    """Return the СНИЛС as 11 digits; accepts `XXX-XXX-XXX YY` or bare digits."""
    number = _only_digits(value, "СНИЛС")
    if len(number) != 11:
        raise ValidationError(f"СНИЛС «{value}»: должно быть 11 цифр, а указано {len(number)}.", code="snils_length")
    # The checksum is defined only for numbers above 001-001-998.
    if int(number[:9]) > 1001998 and snils_checksum(number[:9]) != number[9:]:
        raise ValidationError(
            f"СНИЛС «{value}»: не сходится контрольное число — проверьте, нет ли опечатки.", code="snils_checksum"
        )
    return number


def format_snils(number: str) -> str:
    n = digits(number)
    if len(n) != 11:
        return number
    return f"{n[:3]}-{n[3:6]}-{n[6:9]} {n[9:]}"


def mask_snils(number: str) -> str:
    """For lists: only the last three digits before the check digits are shown (R: personal data masked)."""
    n = digits(number)
    if len(n) != 11:
        return "—" if not number else "***"
    return f"***-***-{n[6:9]} **"


def validate_phone(value: str) -> str:
    """Return a Russian phone as +7XXXXXXXXXX; accepts 8…, +7…, with or without separators."""
    number = digits(value)
    if len(number) == 11 and number[0] in "78":
        number = number[1:]
    if len(number) != 10:
        raise ValidationError(f"Телефон «{value}»: ожидается 10 цифр после +7.", code="phone_length")
    return "+7" + number


def format_phone(value: str) -> str:
    n = digits(value)
    if len(n) == 11:
        n = n[1:]
    if len(n) != 10:
        return value
    return f"+7 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}"


# --- generation of valid numbers, for the synthetic region and for tests
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def make_org_inn(rng, region_code: str = "78") -> str:
    """A checksum-valid 10-digit organisation INN starting with the region code."""
    body = f"{int(region_code):02d}" + "".join(str(rng.randrange(10)) for _ in range(7))
    check = sum(int(d) * w for d, w in zip(body, _INN10_WEIGHTS)) % 11 % 10
    return body + str(check)


def make_ogrn(rng, region_code: str = "78") -> str:
    """A checksum-valid 13-digit OGRN of a legal entity registered in the region."""
    body = "1" + f"{rng.randrange(2, 26):02d}" + f"{int(region_code):02d}" + "".join(str(rng.randrange(10)) for _ in range(7))
    return body + str(int(body) % 11 % 10)


def make_snils(rng) -> str:
    """A checksum-valid СНИЛС (11 digits) above the range where the checksum is not defined."""
    first = str(rng.randrange(1_002_000, 999_999_999)).zfill(9)
    return first + snils_checksum(first)
