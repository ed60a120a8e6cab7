"""The roles of DOMAIN.md and the scope each role acts in."""
from django.db import models


class Role(models.TextChoices):
    REGIONAL_OPERATOR = "regional_operator", "Оператор региона"
    METHODIST = "methodist", "Методист района (ЦИО)"
    DIRECTOR = "director", "Руководитель ОО"
    ADMINISTRATOR = "administrator", "Администратор ОО"
    TEACHER = "teacher", "Учитель"
    STAFF = "staff", "Сотрудник"
    STUDENT = "student", "Обучающийся"
    PARENT = "parent", "Законный представитель"


class Scope(models.TextChoices):
    REGION = "region", "регион"
    MUNICIPALITY = "municipality", "муниципалитет"
    ORGANISATION = "organisation", "организация"


ROLE_SCOPE: dict[str, str] = {
    Role.REGIONAL_OPERATOR: Scope.REGION,
    Role.METHODIST: Scope.MUNICIPALITY,
    Role.DIRECTOR: Scope.ORGANISATION,
    Role.ADMINISTRATOR: Scope.ORGANISATION,
    Role.TEACHER: Scope.ORGANISATION,
    Role.STAFF: Scope.ORGANISATION,
    Role.STUDENT: Scope.ORGANISATION,
    Role.PARENT: Scope.ORGANISATION,
}

# Employees of a school: the roles an invitation can give, and the ones counted as teachers in R31
# ("Teachers include role «Сотрудник»").
SCHOOL_STAFF_ROLES = (Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF)
TEACHING_ROLES = (Role.TEACHER, Role.STAFF)
