from __future__ import annotations

from rest_framework import serializers

from photai_dam.workspaces.models import Membership


class MyWorkspaceSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")

    class Meta:
        model = Membership
        fields = ["slug", "name", "roles"]
