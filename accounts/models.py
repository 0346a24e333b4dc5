"""Users (email login), organizations and memberships."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.choices import (
    SECOND_FACTOR_ROLES,
    ApiScope,
    JoinRequestState,
    Language,
    OrganizationType,
    Province,
    Role,
)


class GroupNames(models.Aggregate):
    """The names of a user's groups, joined by commas (``STRING_AGG``, or SQLite's ``GROUP_CONCAT``)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = models.CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    def with_roles(self) -> models.QuerySet[User]:
        """Return the users, each knowing its roles and program grants without another query.

        The roles are the names of its groups (``User.roles``); the grants, its per-program roles
        as ``program:role`` pairs (``User.program_grants``), read in a subquery so that the join
        on the groups is not multiplied by them. ``intake.models.ProgramRole`` is reached through
        the reverse relation, not imported: accounts sits below intake.
        """
        grant: Any = self.model._meta.get_field("program_roles").related_model
        pairs = (
            grant.objects.filter(user=models.OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(
                pairs=GroupNames(
                    Concat(
                        Coalesce(Cast("program_id", models.CharField()), models.Value("")),
                        models.Value(":"),
                        "role",
                        output_field=models.CharField(),
                    )
                )
            )
            .values("pairs")
        )
        return self.annotate(group_names=GroupNames("groups__name"), program_grant_pairs=models.Subquery(pairs))


def full_name_of(user: str) -> Coalesce:
    """The name of the user at the relation ``user`` (``"lead_applicant"``) as ``User.get_full_name`` writes it, in SQL.

    For a list that shows a name per row without a user read whole for each.
    """
    return Coalesce(NullIf(f"{user}__display_name", Value("")), f"{user}__email", output_field=models.CharField())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address.

    ``is_staff`` only opens the Django admin; program staff is the role
    ``Role.STAFF``, held through a group like every other role.
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    is_staff = models.BooleanField(_("admin access"), default=False, help_text=_("May sign in to the Django admin."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>" if self.display_name else self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email  # ``full_name_of`` says the same in SQL

    def get_short_name(self) -> str:
        return self.display_name or self.email

    @property
    def roles(self) -> frozenset[str]:
        """Return the roles this user holds (cached on the instance)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            if "group_names" in self.__dict__:  # read ``with_roles``
                names = (self.__dict__["group_names"] or "").split(",")
            else:
                names = list(self.groups.values_list("name", flat=True))
            cached = frozenset(set(names) & set(Role.values))
            self._roles_cache = cached
        return cached

    @property
    def access_key(self) -> tuple[object, ...]:
        """What a read scoped by this user's access depends on: their key, standing, roles and grants.

        The key of a read compiled once per reader (``records.sql.row_read_compiled``, ADR 0051).
        """
        return (self.pk, self.is_active, self.is_superuser, self.roles, self.program_grants)

    def forget_roles(self) -> None:
        """Drop the roles (and program grants) read so far, so the next check reads them again."""
        self.__dict__.pop("group_names", None)
        self.__dict__.pop("_roles_cache", None)
        self.__dict__.pop("_program_grants", None)
        self.__dict__.pop("program_grant_pairs", None)

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles

    @property
    def program_grants(self) -> frozenset[tuple[int | None, str]]:
        """Return the ``(program id, role)`` pairs of the roles this user holds per program (cached).

        Read with the user (``UserManager.with_roles``, as every request's user is), else through
        the reverse relation of ``intake.models.ProgramRole``; ``intake.program_roles`` holds the
        rules built on it.
        """
        cached = self.__dict__.get("_program_grants")
        if cached is None:
            if "program_grant_pairs" in self.__dict__:
                read = self.__dict__["program_grant_pairs"] or ""
                pairs = (pair.partition(":") for pair in read.split(",") if pair)
                cached = frozenset((int(program) if program else None, role) for program, _sep, role in pairs)
            else:
                grants = self.program_roles.values_list("program_id", "role")  # type: ignore[attr-defined]
                cached = frozenset(grants)
            self.__dict__["_program_grants"] = cached
        return cached

    def acts_in(self, role: str, program_id: int | None) -> bool:
        """Return whether this user holds ``role`` for the program ``program_id``.

        A superuser holding the role's group holds it for every program; so does a funder
        whose grant names no program.
        """
        if program_id is None or not self.has_role(role):
            return False
        if self.is_superuser:
            return True
        return (program_id, role) in self.program_grants or (None, role) in self.program_grants

    @property
    def second_factor_required(self) -> bool:
        """Return whether this user must sign in with a second factor (superusers, admins, some roles)."""
        return self.is_superuser or self.is_staff or bool(self.roles & SECOND_FACTOR_ROLES)


class Organization(models.Model):
    """A legal entity that takes part in consortia: a company, a university, and so on."""

    legal_name = models.CharField(_("legal name"), max_length=255)
    kind = models.CharField(_("type"), max_length=32, choices=OrganizationType.choices)
    employee_count = models.PositiveIntegerField(_("number of employees"))
    country = CountryField(_("country"), default="CA")
    province = models.CharField(
        _("province or territory"),
        max_length=2,
        choices=Province.choices,
        blank=True,
        help_text=_("Required for organizations in Canada."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("legal_name"),
                "country",
                name="organization_unique_name_per_country",
                # Model forms check this constraint before the service can word the refusal.
                violation_error_message=_(
                    "An organization with this legal name already exists in this country: join it instead."
                ),
            ),
            models.CheckConstraint(
                condition=(models.Q(country="CA") & ~models.Q(province=""))
                | (~models.Q(country="CA") & models.Q(province="")),
                name="organization_province_only_in_canada",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.country == "CA" and not self.province:
            raise ValidationError({"province": _("Choose the province or territory of an organization in Canada.")})
        if self.country != "CA" and self.province:
            raise ValidationError({"province": _("A province applies only to organizations in Canada.")})


class Membership(models.Model):
    """Link a user to an organization they act for."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organization")
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_organization")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class JoinRequest(models.Model):
    """A person's request to act for an organization, and who decided it, when and why.

    Approved by one of the organization's members, or by program staff when it has none;
    the row is the record of the request and its outcome, kept after the decision.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("user"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("organization")
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=JoinRequestState.choices, default=JoinRequestState.PENDING
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("request to join an organization")
        verbose_name_plural = _("requests to join an organization")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(state=JoinRequestState.PENDING),
                name="join_request_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(state=JoinRequestState.PENDING, decided_at__isnull=True)
                | (~models.Q(state=JoinRequestState.PENDING) & models.Q(decided_at__isnull=False)),
                name="join_request_decided_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.state})"


class FormerMembership(models.Model):
    """A membership that ended: who acted for which organization, from when until when.

    Leaving an organization moves the membership here instead of forgetting it, because a
    tie that ended less than three years ago still conflicts its holder as an assessor or a
    board member (``assessment.selectors.organization_tie_exists``). ``Membership`` keeps
    only the current ones, so everything that asks who acts for an organization today reads
    it unchanged.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="former_memberships", verbose_name=_("user"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="former_memberships", verbose_name=_("organization")
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"))

    class Meta:
        verbose_name = _("former membership")
        verbose_name_plural = _("former memberships")
        ordering = ["-left_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_at__gte=models.F("joined_at")), name="former_membership_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.joined_at:%Y-%m-%d}..{self.left_at:%Y-%m-%d})"


class SignInRecord(models.Model):
    """One successful sign-in: who, when and from which address.

    Shown to the person on their profile and included in their data export; kept for
    ``SIGN_IN_HISTORY_DAYS`` days, then deleted by a sweep (``accounts.services.sign_in_history_purge``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("user"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="sign_in_user_at"),
            models.Index(fields=["at"], name="sign_in_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal access token of the REST API (docs/api.md, ADR 0043): its secret shown once, then only its hash kept.

    ``key_hash`` is the SHA-256 of the whole secret, which is long and random enough that no salt or slow
    hash is needed; ``prefix`` is its first characters, shown to tell tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=ApiScope.choices, default=ApiScope.READ)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(_("hash of the secret"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_created"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active_at(self, now: Any) -> bool:
        """Return whether the token opens the API at ``now``: neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at

    @property
    def may_write(self) -> bool:
        return self.scope == ApiScope.WRITE
