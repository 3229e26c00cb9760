"""The matter catalog: what the shipped file promises, how it is checked, and how it reaches the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.matters import repository as matters
from app.matters.catalog import (
    CATALOG_PATH,
    CATEGORY_SLUGS,
    KIND_SLUGS,
    UNDECIDED_CODE,
    MatterCatalogError,
    load_catalog,
    sync_catalog,
)
from app.models import AssistanceCategory, Matter, ServiceKind

EIGHT_CATEGORIES = [c for c in AssistanceCategory if c is not AssistanceCategory.UNDECIDED]

# The plan's 便民服务事项, in its words and order.
CONVENIENCE_SERVICES = ("打印复印", "登记咨询", "表格填写", "材料审核", "要件传递", "信息查询", "证件邮寄")


def _copy(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(text if text is not None else CATALOG_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"expected exactly one {old!r} in the catalog copy"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _edit_entry(path: Path, code: str, old: str, new: str) -> None:
    """Change one line of one entry, the way whoever maintains the file would."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f'[[matters]]\ncode = "{code}"')
    end = text.find("[[matters]]", start + 1)
    end = len(text) if end == -1 else end
    block = text[start:end]
    assert block.count(old) == 1, f"expected exactly one {old!r} in {code}"
    path.write_text(text[:start] + block.replace(old, new) + text[end:], encoding="utf-8")


def _matters(db: Session) -> dict[str, Matter]:
    return {matter.code: matter for matter in db.scalars(select(Matter))}


# ── the shipped catalog ──


def test_every_category_has_a_convenience_a_government_and_an_other_matter() -> None:
    catalog = load_catalog()

    combinations = {(entry.category, entry.service_kind) for entry in catalog.matters}

    for category in EIGHT_CATEGORIES:
        for kind in ServiceKind:
            assert (category, kind) in combinations, f"{category.value} × {kind.value} is missing"


def test_matter_codes_name_their_category_and_service_kind() -> None:
    catalog = load_catalog()

    codes = {entry.code for entry in catalog.matters}

    expected = {f"{CATEGORY_SLUGS[c]}-{KIND_SLUGS[k]}" for c in EIGHT_CATEGORIES for k in ServiceKind}
    assert codes == expected | {UNDECIDED_CODE}
    temporary = catalog.get("linshi-zhengwu")
    assert temporary is not None and temporary.category is AssistanceCategory.TEMPORARY


def test_every_real_matter_lists_materials_and_steps_a_resident_can_follow() -> None:
    for entry in load_catalog().matters:
        if entry.code == UNDECIDED_CODE:
            continue
        assert entry.materials, entry.code
        assert entry.steps, entry.code
        assert entry.conditions.strip(), entry.code
        assert entry.lead_department.strip(), entry.code
        for material in entry.materials:
            assert material.form in ("原件", "复印件", "原件及复印件")
            assert material.copies >= 1
            assert material.issuer.strip()


def test_matter_names_fit_a_wechat_template_field() -> None:
    for entry in load_catalog().matters:
        assert 1 <= len(entry.name) <= 20, entry.code


def test_time_limits_follow_the_policy_in_working_days() -> None:
    catalog = load_catalog()

    def limit(code: str) -> int:
        entry = catalog.get(code)
        assert entry is not None
        return entry.time_limit_days

    assert limit("dibao-zhengwu") == 30
    assert limit("tekun-zhengwu") == 30
    assert limit("linshi-zhengwu") == 10
    for entry in catalog.matters:
        assert entry.acceptance_days == 1
        assert entry.progress_interval_days == 3
        if entry.service_kind is ServiceKind.CONVENIENCE:
            assert 1 <= entry.time_limit_days <= 5, entry.code


def test_every_convenience_matter_offers_the_plans_seven_services_in_its_words() -> None:
    convenience = [entry for entry in load_catalog().matters if entry.service_kind is ServiceKind.CONVENIENCE]

    assert {entry.category for entry in convenience} == set(EIGHT_CATEGORIES)
    for entry in convenience:
        assert "、".join(CONVENIENCE_SERVICES) in entry.conditions, entry.code
        assert "便民服务" in entry.name, entry.code
        services = {step.partition("：")[0] for step in entry.steps if "：" in step}
        assert services == set(CONVENIENCE_SERVICES), entry.code


def test_every_time_limit_names_its_basis() -> None:
    catalog = load_catalog()

    for entry in catalog.matters:
        assert entry.time_limit_basis.strip(), entry.code
    dibao = catalog.get("dibao-zhengwu")
    assert dibao is not None and dibao.time_limit_days == 30
    assert dibao.time_limit_basis.startswith("《最低生活保障审核确认办法》")
    assert "延长15个工作日" in dibao.time_limit_basis
    county_set = [entry for entry in catalog.matters if entry.service_kind is ServiceKind.CONVENIENCE]
    assert all(entry.time_limit_basis == "县里设定" for entry in county_set)


def test_residents_can_tell_the_matters_of_a_category_apart(db: Session) -> None:
    sync_catalog(db)

    for category in AssistanceCategory:
        offered = matters.active(db, category)
        assert offered, category
        names = [matter.name for matter in offered]
        assert len(set(names)) == len(names), names
        sentences = [matter.pick_when for matter in offered]
        assert all(sentence and "选这一项" in sentence for sentence in sentences), names
        assert len(set(sentences)) == len(sentences), names


def test_undecided_matter_is_there_for_residents_who_do_not_know_what_to_ask_for() -> None:
    entry = load_catalog().get(UNDECIDED_CODE)

    assert entry is not None
    assert entry.name == "待帮办员确认"
    assert entry.category is AssistanceCategory.UNDECIDED
    assert entry.service_kind is ServiceKind.OTHER
    assert entry.materials == []
    assert entry.steps


# ── syncing into the matters table ──


def test_first_sync_adds_every_matter_in_file_order(db: Session) -> None:
    result = sync_catalog(db)

    assert (result.added, result.updated, result.deactivated, result.version) == (25, 0, 0, "2026.1")
    rows = db.scalars(select(Matter).order_by(Matter.sort_order)).all()
    assert [row.code for row in rows] == [entry.code for entry in load_catalog().matters]
    assert all(row.active and row.catalog_version == "2026.1" for row in rows)
    temporary = _matters(db)["linshi-zhengwu"]
    assert temporary.name == "临时救助申请"
    assert temporary.category is AssistanceCategory.TEMPORARY
    assert temporary.service_kind is ServiceKind.GOVERNMENT
    assert temporary.time_limit_days == 10
    assert temporary.time_limit_basis is not None and temporary.time_limit_basis.startswith("县里设定")
    assert temporary.pick_when is not None and "临时救助" in temporary.pick_when
    assert temporary.materials[0] == {
        "name": "临时救助申请书", "form": "原件", "copies": 1,
        "issuer": "乡镇（街道）社会事务办公室提供样表", "note": "可以由帮办员代填，申请人签字或按手印",
    }


def test_syncing_the_same_file_again_changes_nothing(db: Session) -> None:
    sync_catalog(db)
    db.commit()
    stamps = {code: matter.updated_at for code, matter in _matters(db).items()}

    result = sync_catalog(db)

    assert (result.added, result.updated, result.deactivated) == (0, 0, 0)
    assert not db.dirty and not db.new
    db.commit()
    db.expire_all()
    assert {code: matter.updated_at for code, matter in _matters(db).items()} == stamps


def test_changed_time_limit_and_version_reach_the_row(db: Session, tmp_path: Path) -> None:
    sync_catalog(db)
    path = _copy(tmp_path)
    _edit(path, 'version = "2026.1"', 'version = "2026.2"')
    _edit_entry(path, "linshi-zhengwu", "time_limit_days = 10", "time_limit_days = 7")

    result = sync_catalog(db, path)

    assert result.version == "2026.2"
    assert (result.added, result.deactivated) == (0, 0)
    assert result.updated == 25, "a new version is stamped on every matter it holds"
    temporary = _matters(db)["linshi-zhengwu"]
    assert temporary.time_limit_days == 7
    assert temporary.catalog_version == "2026.2"


def test_edit_without_a_new_version_updates_only_the_edited_matter(db: Session, tmp_path: Path) -> None:
    sync_catalog(db)
    path = _copy(tmp_path)
    _edit_entry(path, "dibao-bianmin", "time_limit_days = 3", "time_limit_days = 5")

    result = sync_catalog(db, path)

    assert result.updated == 1
    assert _matters(db)["dibao-bianmin"].time_limit_days == 5


def test_matter_removed_from_the_file_is_deactivated_not_deleted(db: Session, tmp_path: Path) -> None:
    sync_catalog(db)
    catalog_text = CATALOG_PATH.read_text(encoding="utf-8")
    start = catalog_text.index('[[matters]]\ncode = "zaihai-qita"')
    end = catalog_text.index("[[matters]]", start + 1)
    path = _copy(tmp_path, catalog_text[:start] + catalog_text[end:])

    result = sync_catalog(db, path)

    assert (result.added, result.deactivated) == (0, 1)
    removed = _matters(db)["zaihai-qita"]
    assert removed.active is False
    assert sum(matter.active for matter in _matters(db).values()) == 24


def test_matter_put_back_in_the_file_is_active_again(db: Session, tmp_path: Path) -> None:
    sync_catalog(db)
    _matters(db)["zaihai-qita"].active = False
    db.flush()

    result = sync_catalog(db)

    assert result.updated == 1
    assert _matters(db)["zaihai-qita"].active is True


def test_sync_does_not_commit(db: Session) -> None:
    sync_catalog(db)
    db.rollback()

    assert _matters(db) == {}


# ── malformed files are refused with a message that says where ──


def test_duplicate_code_is_refused_naming_the_code(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, 'code = "linshi-qita"', 'code = "linshi-zhengwu"')

    with pytest.raises(MatterCatalogError) as raised:
        load_catalog(path)

    assert "linshi-zhengwu" in str(raised.value)
    assert "重复" in str(raised.value)


def test_unknown_category_is_refused_naming_the_code_and_the_field(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "yiliao-zhengwu", 'category = "医疗救助"', 'category = "看病救助"')

    with pytest.raises(MatterCatalogError) as raised:
        load_catalog(path)

    message = str(raised.value)
    assert "yiliao-zhengwu" in message
    assert "category" in message
    assert "看病救助" in message


def test_unknown_service_kind_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "jiuye-qita", 'service_kind = "其他"', 'service_kind = "别的"')

    with pytest.raises(MatterCatalogError, match=r"jiuye-qita .*service_kind"):
        load_catalog(path)


def test_real_matter_without_materials_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "zaihai-qita", '  { name = "受灾情况照片或说明"', '  # { name = "受灾情况照片或说明"')

    with pytest.raises(MatterCatalogError, match=r"zaihai-qita .*materials"):
        load_catalog(path)


def test_time_limit_below_one_working_day_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "zhufang-zhengwu", "time_limit_days = 30", "time_limit_days = 0")

    with pytest.raises(MatterCatalogError, match=r"zhufang-zhengwu .*time_limit_days"):
        load_catalog(path)


def test_code_that_contradicts_its_category_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, 'code = "jiaoyu-qita"', 'code = "zhufang-qita-2"')

    with pytest.raises(MatterCatalogError, match=r"zhufang-qita-2 .*jiaoyu-qita"):
        load_catalog(path)


def test_file_without_the_undecided_matter_is_refused(tmp_path: Path) -> None:
    catalog_text = CATALOG_PATH.read_text(encoding="utf-8")
    path = _copy(tmp_path, catalog_text[: catalog_text.index('[[matters]]\ncode = "undecided"')])

    with pytest.raises(MatterCatalogError, match=UNDECIDED_CODE):
        load_catalog(path)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, 'code = "linshi-qita"', 'code = "linshi-zhengwu"')
    _edit_entry(path, "yiliao-zhengwu", 'category = "医疗救助"', 'category = "看病救助"')

    with pytest.raises(MatterCatalogError) as raised:
        load_catalog(path)

    message = str(raised.value)
    assert "yiliao-zhengwu 的 category" in message
    assert "linshi-zhengwu 的 code（编码）重复" in message


def test_matter_without_a_time_limit_basis_is_refused_saying_what_to_write(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "yiliao-zhengwu", 'time_limit_basis = "县里设定"\n', "")

    with pytest.raises(MatterCatalogError) as raised:
        load_catalog(path)

    assert "事项 yiliao-zhengwu 的 time_limit_basis（时限依据）没有填写" in str(raised.value)
    assert "县里设定" in str(raised.value)


def test_matter_without_the_sentence_for_residents_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit_entry(path, "jiuye-qita", 'pick_when = "', 'pick_when = "" # "')

    with pytest.raises(MatterCatalogError, match=r"jiuye-qita 的 pick_when（什么情况选这一项）不能为空"):
        load_catalog(path)


def test_two_matters_of_one_category_with_the_same_name_are_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, 'name = "低保家庭情况变化报告"', 'name = "最低生活保障申请"')

    with pytest.raises(MatterCatalogError, match="最低生活保障.*都叫“最低生活保障申请”"):
        load_catalog(path)


def test_broken_toml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = _copy(tmp_path, 'version = "2026.1"\n[[matters\n')

    with pytest.raises(MatterCatalogError, match="catalog.toml"):
        load_catalog(path)


def test_sync_refuses_a_malformed_file_and_leaves_the_table_alone(db: Session, tmp_path: Path) -> None:
    sync_catalog(db)
    path = _copy(tmp_path)
    _edit(path, 'code = "linshi-qita"', 'code = "linshi-zhengwu"')

    with pytest.raises(MatterCatalogError):
        sync_catalog(db, path)

    assert all(matter.active for matter in _matters(db).values())
