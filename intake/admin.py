from django.contrib import admin

from intake.models import Call, Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_en", "slug"]
    search_fields = ["name_en", "name_fr", "slug"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title_en", "program", "loi_opens_at", "loi_closes_at", "application_closes_at", "funding_envelope"]
    list_filter = ["program"]
    search_fields = ["title_en", "title_fr", "slug"]
