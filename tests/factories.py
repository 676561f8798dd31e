"""factory_boy factories for organizations, members and users (through the services)."""

import factory
from django.contrib.auth import get_user_model

from organizations import services
from organizations.models import Member, MemberStatus, Organization, OrgKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-123456")

    @classmethod
    def _create(cls, model_class, password=None, **kwargs):
        return services.user_create(actor=None, password_hash=password, **kwargs)


class OrganizationFactory(factory.Factory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"组织{n}")
    kind = OrgKind.BRANCH
    parent = None

    @classmethod
    def _create(cls, model_class, parent=None, name=None, kind=None, **kwargs):
        if kind == OrgKind.BRANCH:
            kwargs.setdefault("branch_kind", "teaching")
        return services.organization_create(
            actor=None, parent=parent, name=name, kind=kind, **kwargs
        )


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    status = MemberStatus.FULL

    @classmethod
    def _create(cls, model_class, organization=None, name=None, **kwargs):
        return services.member_create(actor=None, organization=organization, name=name, **kwargs)
