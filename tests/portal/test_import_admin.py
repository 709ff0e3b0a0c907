"""The admin's import screens (数据导入): upload, template, job page, progress, history, error workbook."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from personnel.models import Person, Role, Unit
from portal.models import ImportJob
from portal.services import import_job_create
from portal.tasks import run_import_job
from tests.factories import make_id_number
from tests.import_files import PERSONNEL_HEADER, make_xlsx, read_xlsx, sample

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def hr_client(client, east_hr):
    client.force_login(east_hr)
    return client


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def upload(client, capture, *, kind, data, name, dry_run=False):
    payload = {"kind": kind, "file": SimpleUploadedFile(name, data)}
    if dry_run:
        payload["dry_run"] = "on"
    with capture(execute=True):
        return client.post(reverse("portal_imports:create"), payload)


def job_for(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def people_rows(count, *, unit="12010101", bad_every=0):
    rows = [PERSONNEL_HEADER]
    for index in range(count):
        code = "NOPE" if bad_every and index % bad_every == 0 else unit
        rows.append([f"人员{index}", make_id_number(sequence=index, region="110101"), code, "执法"] + [""] * 7)
    return rows


def make_job(user, *, status=ImportJob.Status.SUCCEEDED, name="people.xlsx", result=None):
    job = ImportJob(kind="personnel", original_name=name, created_by=user, status=status, result=result or {})
    job.file.save("x.xlsx", ContentFile(b"x"), save=False)
    job.save()
    return job


# Menu and access --------------------------------------------------------------------------------


def test_the_menu_item_shows_for_hr_admins_and_superusers_only(rf, east_hr, superuser, make_user, city):
    from wagtail.admin.menu import admin_menu

    head = make_user(Role.DEPARTMENT_HEAD, city["east"], username="head")
    for user, shown in ((east_hr, True), (superuser, True), (head, False)):
        request = rf.get("/admin/")
        request.user = user
        items = {item.name: item for item in admin_menu.menu_items_for_request(request)}
        assert ("imports" in items) is shown, user
        if shown:
            assert (str(items["imports"].label), items["imports"].url) == ("数据导入", reverse("portal_imports:index"))


def test_the_sidebar_links_to_the_imports(client, east_hr):
    client.force_login(east_hr)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("portal_imports:index") in page


def test_users_without_the_import_permission_are_turned_away(client, make_user, city):
    client.force_login(make_user(Role.DEPARTMENT_HEAD, city["east"], username="head"))
    for name in ("portal_imports:index", "portal_imports:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")


def test_the_upload_page_offers_the_kinds_the_user_may_import(hr_client, client, superuser):
    page = hr_client.get(reverse("portal_imports:create")).content.decode()
    assert "人员导入模板" in page and "单位导入模板" not in page
    assert '<option value="personnel"' in page and '<option value="units"' not in page
    for text in ("上传文件", "导入类型", "仅校验", "上传并导入", "下载模板"):
        assert text in page
    client.force_login(superuser)
    page = client.get(reverse("portal_imports:create")).content.decode()
    assert "单位导入模板" in page and "人员导入模板" in page


def test_the_template_download_is_the_kinds_workbook(hr_client):
    response = hr_client.get(reverse("portal_imports:template", args=["personnel"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheets = read_xlsx(response.content)
    assert sheets["人员"][0][:2] == ["姓名*", "身份证号*"]
    assert "填写说明" in sheets
    assert hr_client.get(reverse("portal_imports:template", args=["units"])).status_code == 404
    assert hr_client.get(reverse("portal_imports:template", args=["salaries"])).status_code == 404


# Uploading and running ------------------------------------------------------------------------


def test_an_upload_runs_through_the_task_and_shows_the_counts(admin_client_, superuser, django_capture_on_commit_callbacks):
    job = job_for(upload(admin_client_, django_capture_on_commit_callbacks, kind="units", data=sample("units.xlsx"),
                         name="units.xlsx"))
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.result == {"created": 6, "updated": 0, "skipped": 0, "errors": [], "warnings": []}
    assert (job.total_rows, job.processed_rows, job.created_by) == (6, 6, superuser)
    assert job.finished_at is not None
    assert Unit.objects.count() == 6
    assert ModelLogEntry.objects.filter(action="wagtail.create", user=superuser, data__kind="units", data__row__gte=2).count() == 6
    page = admin_client_.get(reverse("portal_imports:detail", args=[job.pk])).content.decode()
    assert "导入完成" in page and "import_progress.js" not in page
    assert '<span class="import-count__value">6</span><span class="import-count__label">新增</span>' in page


def test_an_hr_admins_upload_is_scoped_to_their_subtree(hr_client, django_capture_on_commit_callbacks):
    rows = people_rows(2)
    rows[2][2] = "12010201"
    job = job_for(upload(hr_client, django_capture_on_commit_callbacks, kind="personnel", data=make_xlsx(rows),
                         name="people.xlsx"))
    assert job.status == ImportJob.Status.INVALID
    assert job.result["errors"] == [
        {"row": 3, "column": "单位编码", "message": "无权向单位「西区市场监管局」导入人员：不在您的管辖范围内"}
    ]
    assert Person.objects.count() == 0


def test_a_file_with_errors_shows_a_paginated_error_table_and_the_workbook(
    hr_client, django_capture_on_commit_callbacks
):
    job = job_for(upload(hr_client, django_capture_on_commit_callbacks, kind="personnel",
                         data=make_xlsx(people_rows(120, bad_every=2)), name="名单.xlsx"))
    assert job.status == ImportJob.Status.INVALID
    assert len(job.result["errors"]) == 60
    assert Person.objects.count() == 0
    url = reverse("portal_imports:detail", args=[job.pk])
    first = hr_client.get(url).content.decode()
    assert "校验未通过：发现 60 处错误，未写入任何数据" in first
    assert first.count("单位编码「NOPE」不存在") == 50
    assert "第 2 行" in first and "第 1 / 2 页，共 60 条" in first
    second = hr_client.get(url + "?p=2").content.decode()
    assert second.count("单位编码「NOPE」不存在") == 10
    assert "第 120 行" in second

    download = hr_client.get(reverse("portal_imports:error_file", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert "%E9%94%99%E8%AF%AF%E6%B8%85%E5%8D%95" in download["Content-Disposition"]  # 错误清单, RFC 5987
    sheets = read_xlsx(download.content)
    assert sheets["错误清单"][1] == [2, "单位编码", "单位编码「NOPE」不存在"]
    assert sheets["原始数据"][0][-1] == "错误说明"


def test_dry_run_upload_checks_and_writes_nothing(hr_client, django_capture_on_commit_callbacks):
    job = job_for(upload(hr_client, django_capture_on_commit_callbacks, kind="personnel", data=make_xlsx(people_rows(3)),
                         name="people.xlsx", dry_run=True))
    assert job.dry_run is True
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.result["created"] == 3
    assert Person.objects.count() == 0
    page = hr_client.get(reverse("portal_imports:detail", args=[job.pk])).content.decode()
    assert "校验通过，未写入数据" in page and "将新增" in page


def test_a_file_that_is_not_a_spreadsheet_fails_with_a_clear_message(hr_client, django_capture_on_commit_callbacks):
    job = job_for(upload(hr_client, django_capture_on_commit_callbacks, kind="personnel",
                         data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="photo.xlsx"))
    assert job.status == ImportJob.Status.FAILED
    assert job.result["errors"][0]["row"] == 0
    page = hr_client.get(reverse("portal_imports:detail", args=[job.pk])).content.decode()
    assert "文件无法导入：文件内容不是 Excel 表格" in page


def test_the_upload_size_limit_is_enforced_in_the_form(hr_client, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    response = upload(hr_client, django_capture_on_commit_callbacks, kind="personnel", data=b"x" * (1024 * 1024 + 1),
                      name="big.csv")
    assert response.status_code == 200
    assert "文件过大：不能超过 1 MB，请拆分后分批导入" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_other_extensions_and_kinds_outside_the_users_rights_are_refused(hr_client, django_capture_on_commit_callbacks):
    response = upload(hr_client, django_capture_on_commit_callbacks, kind="personnel", data=b"a,b", name="list.txt")
    assert "仅支持 .xlsx 和 .csv 文件" in response.content.decode()
    response = upload(hr_client, django_capture_on_commit_callbacks, kind="units", data=sample("units.xlsx"),
                      name="units.xlsx")
    assert response.status_code == 200
    assert "选择一个有效的选项。 units 不在可用的选项中。" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_job_is_queued_only_after_commit(east_hr, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(kind="personnel", uploaded_file=SimpleUploadedFile("p.xlsx", make_xlsx(people_rows(1))),
                                actor=east_hr)
    assert job.status == ImportJob.Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(job.pk), data__kind="personnel").exists()


def test_a_second_delivery_of_the_task_does_nothing(east_hr, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(kind="personnel", uploaded_file=SimpleUploadedFile("p.xlsx", make_xlsx(people_rows(2))),
                                actor=east_hr)
    job.refresh_from_db()
    finished_at = job.finished_at
    run_import_job(job.pk)
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert Person.objects.count() == 2
    assert ModelLogEntry.objects.filter(action="wagtail.create", content_type__model="person").count() == 2


def test_a_job_that_is_already_running_is_not_run_again(east_hr):
    job = make_job(east_hr, status=ImportJob.Status.RUNNING)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert job.finished_at is None


# Progress ---------------------------------------------------------------------------------------


def test_a_running_job_page_polls_its_progress(hr_client, east_hr):
    job = make_job(east_hr, status=ImportJob.Status.RUNNING)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=1000, processed_rows=250)
    page = hr_client.get(reverse("portal_imports:detail", args=[job.pk])).content.decode()
    progress_url = reverse("portal_imports:progress", args=[job.pk])
    assert f'data-import-progress-url="{progress_url}"' in page
    assert "portal/import_progress.js" in page
    assert "<script>" not in page.split("import-facts")[1]
    state = hr_client.get(progress_url).json()
    assert state == {"status": "running", "status_label": "处理中", "label": "正在处理：约 250 / 1000 行",
                     "processed": 250, "total": 1000, "percent": 25, "finished": False}


def test_progress_reports_finished_jobs_as_complete(hr_client, east_hr):
    job = make_job(east_hr, status=ImportJob.Status.INVALID)
    state = hr_client.get(reverse("portal_imports:progress", args=[job.pk])).json()
    assert (state["finished"], state["percent"], state["status_label"]) == (True, 100, "校验未通过")


def test_the_job_row_follows_the_engines_progress(east_hr, city, monkeypatch, django_capture_on_commit_callbacks):
    from portal import services

    monkeypatch.setattr("portal.imports.engine._PROGRESS_STEP", 10)
    stored = []
    real_run_import = services.run_import

    def run_import(**kwargs):
        def probe(processed, total):
            kwargs_progress(processed, total)
            job = ImportJob.objects.get(original_name="p.xlsx")
            stored.append((job.processed_rows, job.total_rows, job.status))

        kwargs_progress = kwargs["progress"]
        return real_run_import(**{**kwargs, "progress": probe})

    monkeypatch.setattr(services, "run_import", run_import)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(kind="personnel", uploaded_file=SimpleUploadedFile("p.xlsx", make_xlsx(people_rows(40))),
                                actor=east_hr)
    assert stored[0] == (0, 40, ImportJob.Status.RUNNING)
    assert stored[-1] == (40, 40, ImportJob.Status.RUNNING)
    assert len(stored) >= 4
    assert [done for done, _total, _status in stored] == sorted(done for done, _total, _status in stored)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.progress_percent) == (ImportJob.Status.SUCCEEDED, 40, 100)


# Visibility and history -------------------------------------------------------------------------


def test_a_user_cannot_see_another_users_job(client, east_hr, west_hr):
    job = make_job(west_hr, status=ImportJob.Status.INVALID)
    job.error_file.save("e.xlsx", ContentFile(b"x"))
    client.force_login(east_hr)
    for name in ("portal_imports:detail", "portal_imports:progress", "portal_imports:error_file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    client.force_login(west_hr)
    assert client.get(reverse("portal_imports:detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("portal_imports:error_file", args=[job.pk])).status_code == 200


def test_the_history_lists_only_the_users_own_jobs(hr_client, east_hr, west_hr):
    make_job(east_hr, name="东区名单.xlsx")
    make_job(west_hr, name="西区名单.xlsx")
    page = hr_client.get(reverse("portal_imports:index")).content.decode()
    assert "东区名单.xlsx" in page and "西区名单.xlsx" not in page


def test_a_superuser_sees_every_job_with_its_owner(admin_client_, east_hr, west_hr):
    make_job(east_hr, name="东区名单.xlsx")
    make_job(west_hr, name="西区名单.xlsx")
    page = admin_client_.get(reverse("portal_imports:index")).content.decode()
    assert "东区名单.xlsx" in page and "西区名单.xlsx" in page
    assert "east_hr" in page and "操作人" in page


def test_the_history_is_paginated(hr_client, east_hr):
    for index in range(25):
        make_job(east_hr, name=f"第{index:02d}批.xlsx")
    first = hr_client.get(reverse("portal_imports:index")).content.decode()
    assert "第24批.xlsx" in first and "第04批.xlsx" not in first
    assert "第 1 / 2 页，共 25 条" in first
    second = hr_client.get(reverse("portal_imports:index") + "?p=2").content.decode()
    assert "第04批.xlsx" in second and "第24批.xlsx" not in second


@pytest.mark.parametrize("jobs", [1, 20])
def test_the_history_costs_a_fixed_number_of_queries(hr_client, east_hr, jobs, django_assert_max_num_queries):
    for index in range(jobs):
        make_job(east_hr, name=f"{index}.xlsx", result={"created": 1, "updated": 0, "skipped": 0, "errors": [],
                                                         "warnings": []})
    hr_client.get(reverse("portal_imports:index"))
    with django_assert_max_num_queries(14):
        response = hr_client.get(reverse("portal_imports:index"))
    assert response.content.decode().count("1 / 0 / 0") == jobs


def test_the_superusers_history_costs_a_fixed_number_of_queries(admin_client_, east_hr, west_hr,
                                                                 django_assert_max_num_queries):
    for index in range(10):
        make_job(east_hr if index % 2 else west_hr, name=f"{index}.xlsx")
    admin_client_.get(reverse("portal_imports:index"))
    with django_assert_max_num_queries(12):
        response = admin_client_.get(reverse("portal_imports:index"))
    assert "west_hr" in response.content.decode()


def test_the_error_table_costs_a_fixed_number_of_queries(hr_client, east_hr, django_assert_max_num_queries):
    errors = [{"row": n, "column": "单位编码", "message": "单位编码「NOPE」不存在"} for n in range(2, 300)]
    job = make_job(east_hr, status=ImportJob.Status.INVALID,
                   result={"created": 0, "updated": 0, "skipped": 0, "errors": errors, "warnings": []})
    hr_client.get(reverse("portal_imports:detail", args=[job.pk]))
    with django_assert_max_num_queries(12):
        response = hr_client.get(reverse("portal_imports:detail", args=[job.pk]))
    assert response.content.decode().count("单位编码「NOPE」不存在") == 50
