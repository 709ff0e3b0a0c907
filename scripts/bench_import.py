#!/usr/bin/env python
"""Benchmark of the personnel import (DESIGN §5.1): 10,000 rows, target under 10 s.

Generates a realistic unit tree and a 10,000-row personnel workbook (valid ID numbers, unit codes
from the tree), then imports it with the real engine into a fresh database, three times each:
a SQLite file, and PostgreSQL (a scratch database `bench_import`) when it is reachable. Each trial
runs in its own process on a freshly migrated database; the units are imported first and not timed.
The baseline, measured in the same run, is reading the same workbook with pandas + calamine.

    .venv/bin/python scripts/bench_import.py [--rows 10000] [--repeat 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SCRATCH_DB = "bench_import"
TEMPLATE_DB = "bench_import_template"

UNITS_HEADER = ["单位编码", "单位名称", "上级单位编码", "单位类型", "执法领域"]
PEOPLE_HEADER = [
    "姓名", "身份证号", "单位编码", "岗位类别", "人员状态", "人员类别",
    "任职日期", "法律职业资格证书编号", "公职律师", "手机号", "职务",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅晓东海波宁鹏飞雪琳浩然子轩欣怡"
DOMAINS = ["市场监管", "生态环境", "交通运输", "农业农村", "文化旅游", "应急管理", "卫生健康", "城市管理"]
AREA_CODES = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310115"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number(rng: random.Random, used: set[str]) -> str:
    while True:
        birth = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
        first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]
        if number not in used:
            used.add(number)
            return number


def unit_tree() -> list[list[str]]:
    rows = [["BM", "示例市", "", "行政区域", ""]]
    for d in range(1, 11):
        district = f"BM-D{d:02d}"
        rows.append([district, f"示例市第{d}区", "BM", "行政区域", ""])
        for k, domain in enumerate(DOMAINS, start=1):
            dept = f"{district}-B{k:02d}"
            rows.append([dept, f"第{d}区{domain}局", district, "机关", domain])
            for o in range(1, 4):
                rows.append([f"{dept}-K{o}", f"第{d}区{domain}局第{o}科", dept, "内设机构", domain])
            rows.append([f"{dept}-ZD", f"第{d}区{domain}综合执法大队", dept, "直属单位", domain])
        for t in range(1, 6):
            rows.append([f"{district}-J{t}", f"第{d}区第{t}街道综合行政执法队", district, "乡镇街道", "综合执法"])
    return rows


def people(count: int, units: list[list[str]], seed: int = 20250101) -> list[list[str]]:
    rng = random.Random(seed)
    codes = [row[0] for row in units if row[3] != "行政区域"]
    used: set[str] = set()
    rows = []
    for index in range(count):
        status = rng.choices(["在岗", "退休", "调离", "离职"], weights=[90, 5, 3, 2])[0]
        post = rng.choices(["执法", "法制审核", "其他"], weights=[80, 8, 12])[0]
        appointed = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 25))
        rows.append([
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            id_number(rng, used),
            rng.choice(codes),
            post,
            status,
            rng.choices(["在编", "聘用", "外聘法律顾问"], weights=[85, 12, 3])[0],
            appointed.isoformat() if rng.random() < 0.9 else "",
            f"A{appointed.year}{index:010d}" if post == "法制审核" and rng.random() < 0.5 else "",
            "是" if post == "法制审核" and rng.random() < 0.2 else "否",
            f"13{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "",
            rng.choice(["科员", "副科长", "科长", "队员", "副队长", ""]),
        ])
    return rows


def write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


# One trial, in its own process --------------------------------------------------------------------


def trial(database_url: str, units_file: Path, people_file: Path, expected: int) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: measure what production does
    from portal.imports import run_import

    units = run_import(kind="units", data=units_file.read_bytes(), filename=units_file.name)
    assert units.ok and units.created, units.as_dict()
    data = people_file.read_bytes()
    started = time.perf_counter()
    result = run_import(kind="personnel", data=data, filename=people_file.name)
    seconds = time.perf_counter() - started
    assert result.ok and result.created == expected, result.as_dict() if not result.ok else result.created
    print(json.dumps({"seconds": seconds, "created": result.created}))


def run_trial(database_url: str, units_file: Path, people_file: Path, expected: int) -> float:
    completed = subprocess.run(
        [sys.executable, __file__, "--trial", database_url, str(units_file), str(people_file), str(expected)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"trial failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])["seconds"]


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings.dev"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def sqlite_trials(workdir: Path, units_file: Path, people_file: Path, expected: int, repeat: int) -> list[float]:
    template = workdir / "template.sqlite3"
    migrate(f"sqlite:///{template}")
    times = []
    for index in range(repeat):
        database = workdir / f"trial{index}.sqlite3"
        shutil.copy(template, database)
        times.append(run_trial(f"sqlite:///{database}", units_file, people_file, expected))
        database.unlink()
    return times


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: no PostgreSQL for this run
        return False


def postgres_trials(units_file: Path, people_file: Path, expected: int, repeat: int) -> list[float]:
    import psycopg

    base = POSTGRES_URL.rsplit("/", 1)[0]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        for name in (SCRATCH_DB, TEMPLATE_DB):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    migrate(f"{base}/{TEMPLATE_DB}")
    times = []
    try:
        for _index in range(repeat):
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')
                admin.execute(f'CREATE DATABASE "{SCRATCH_DB}" TEMPLATE "{TEMPLATE_DB}"')
            times.append(run_trial(f"{base}/{SCRATCH_DB}", units_file, people_file, expected))
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            for name in (SCRATCH_DB, TEMPLATE_DB):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return times


def baseline(people_file: Path, repeat: int) -> list[float]:
    import pandas as pd

    times = []
    for _index in range(repeat):
        started = time.perf_counter()
        pd.read_excel(people_file, engine="calamine", header=None, dtype=object)
        times.append(time.perf_counter() - started)
    return times


def report(label: str, times: list[float], rows: int) -> None:
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{label:<34} median {median:6.2f} s   {rows / median:9.0f} rows/s   (runs: {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        workdir = Path(tmp)
        units = unit_tree()
        units_file, people_file = workdir / "units.xlsx", workdir / "personnel.xlsx"
        write_xlsx(units_file, UNITS_HEADER, units)
        write_xlsx(people_file, PEOPLE_HEADER, people(args.rows, units))
        size = people_file.stat().st_size
        print(f"{args.rows} personnel rows, {len(units)} units, workbook {size / 1024:.0f} KiB; {args.repeat} runs each")
        report("baseline: pandas + calamine read", baseline(people_file, args.repeat), args.rows)
        report("import, SQLite file", sqlite_trials(workdir, units_file, people_file, args.rows, args.repeat), args.rows)
        if args.no_postgres:
            return
        if postgres_reachable():
            report("import, PostgreSQL", postgres_trials(units_file, people_file, args.rows, args.repeat), args.rows)
        else:
            print(f"PostgreSQL not reachable at {POSTGRES_URL}: skipped")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--trial":
        trial(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
