"""``sunbid demo``: one tender driven through the HTTP API with an accelerated clock, from the
plan to the announcement, clarifications and objections, sealed bids and the online opening,
then the blind draw of the committee, the evaluation, the award and the contract; at the end
anyone verifies the whole ledger. Each step is printed; the refusals the law requires are
shown too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.markup import escape

from sunbid.api.app import create_app
from sunbid.api.serving import ServerThread
from sunbid.bootstrap import Platform, build
from sunbid.config import Settings
from sunbid.crypto import sign_json, verify_json
from sunbid.crypto.x509 import load_certificates
from sunbid.demo import to_contract
from sunbid.demo.seed import demo_signer, seed, standard_scheme
from sunbid.demo.walk import Walk
from sunbid.kernel.clock import AcceleratedClock
from sunbid.storage import migrate


def _tender(start: datetime, deadline_days: int, agency_id: str) -> dict[str, Any]:
    return {
        "title": "南京市江北新区图书馆新建工程施工",
        "category": "works",
        "sector": "房屋建筑",
        "method": "open",
        "content": "图书馆主体、装饰装修、安装及室外工程施工总承包",
        "scale": "建筑面积约 1.8 万平方米",
        "fund_source": "财政资金",
        "qualification_requirements": "建筑工程施工总承包一级资质；项目经理一级建造师",
        "consortium_accepted": True,
        "doc_issue_start": start.isoformat(),
        "doc_sale_end": (start + timedelta(days=6)).isoformat(),
        "bid_deadline": (start + timedelta(days=deadline_days)).isoformat(),
        "opening_place": "南京市公共资源交易中心 线上开标大厅",
        "submission_method": "本平台在线递交加密投标文件",
        "tenderer_contact": "王经理 025-8000 0001",
        "agency_org_id": agency_id,
        "agency_contact": "李工 025-8000 0003",
        "supervising_department": "南京市住房和城乡建设局",
        "supervising_contact": "025-8000 0007",
        "objection_channel": "本平台“异议”栏目",
        "platform_url": "http://127.0.0.1/api/v1/tenders",
        "credit_commitment": "本单位承诺依法依规组织招标，所提供信息真实有效，接受社会监督。",
        "bid_validity_days": 90,
        "sections": [
            {
                "name": "施工总承包",
                "scope": "全部工程",
                "estimated_price": "46000000.00",
                "max_bid_price": "45200000.00",
                "bid_deposit": "800000.00",
            }
        ],
    }


def run(console: Console, *, speed: float = 60.0, workdir: Path | None = None) -> int:
    """Run the tour on a fresh platform in ``workdir`` (a temporary directory by default) and
    return the exit code: 0 when every step behaved as the rules require.

    Time runs ``speed`` times faster than real time between the tour's own jumps, not much
    faster: the opening's decryption window (an hour) must outlast the bidders' calls."""
    with tempfile.TemporaryDirectory(prefix="sunbid-demo-") as tmp:
        base = workdir or Path(tmp)
        url = f"sqlite:///{base / 'demo.db'}"
        migrate.upgrade(url)
        settings = Settings(
            database_url=url,
            blob_dir=base / "blobs",
            ledger_key_file=base / "keys" / "ledger.pem",
            platform_key_file=base / "keys" / "platform-key.pem",
            platform_cert_file=base / "keys" / "platform-cert.pem",
            trust_dir=base / "trust",
        )
        platform = build(settings, clock=AcceleratedClock(datetime.now(UTC), factor=speed))
        console.print(f"[bold]sunbid demo[/]: a fresh platform in {base}, clock running {speed:g}× real time")
        seed(platform, log=lambda m: console.print(f"   demo data: {m}"))
        with ServerThread(create_app(platform)) as server, httpx2.Client(base_url=server, timeout=30) as client:
            console.print(f"   API at {server}/api/v1/docs\n")
            walk = Walk(client, console)
            for who in ("admin", "tenderer", "agency", "bidder1", "bidder2", "bidder3", "bidder4"):
                walk.login(who)
            agency = walk.call("agency", "GET", "/auth/me").json()["org_id"]
            plan = walk.step(
                "The tenderer drafts a tender plan with its seven fields (M1)",
                "tenderer",
                "POST",
                "/plans",
                201,
                headers={"Idempotency-Key": "demo-plan-1"},
                json={
                    "project_name": "南京市江北新区图书馆新建工程",
                    "approval_document": "可行性研究报告批复",
                    "approval_number": "宁新区发改投〔2026〕12号",
                    "scope": "施工总承包",
                    "estimated_price": "46000000.00",
                    "fund_source": "财政资金",
                    "planned_announcement_date": (walk.now() + timedelta(days=31)).date().isoformat(),
                },
            )
            walk.step("The plan is published", "tenderer", "POST", f"/plans/{plan['id']}/publish")
            start = walk.now() + timedelta(days=31)
            tender = walk.step(
                "The tender and its announcement are drafted, entrusted to the agency",
                "tenderer",
                "POST",
                "/tenders",
                201,
                json=_tender(start, 19, agency) | {"plan_id": plan["id"]},
            )
            tid = tender["id"]
            walk.step(
                "The agency uploads the tender documents (streamed, hashed, versioned)",
                "agency",
                "POST",
                f"/tenders/{tid}/documents",
                201,
                params={"title": "招标文件", "filename": "招标文件.pdf"},
                content="第一章 招标公告 …… 第三章 评标办法（综合评估法）".encode(),
                headers={"Content-Type": "application/octet-stream", "X-Document-Media-Type": "application/pdf"},
            )
            walk.step(
                "Lowest evaluated price is refused for works without general technical standards (评标规定 §30)",
                "agency",
                "PUT",
                f"/tenders/{tid}/evaluation-scheme",
                "lowest_price_not_applicable",
                json={"method": "lowest_evaluated_price"},
            )
            walk.step(
                "The agency declares the evaluation scheme: comprehensive scoring, technical part anonymised (暗标)",
                "agency",
                "PUT",
                f"/tenders/{tid}/evaluation-scheme",
                json=standard_scheme(),
            )
            walk.step(
                "Announcing now is refused: the plan has not been public for 30 days",
                "agency",
                "POST",
                f"/tenders/{tid}/announce",
                "plan_not_public_long_enough",
            )
            walk.clock(days=30, hours=1)
            walk.step(
                "Announcing with a 19-day bidding period is refused (法 §24: at least 20 days)",
                "agency",
                "POST",
                f"/tenders/{tid}/announce",
                "deadline_too_soon",
            )
            body = _tender(start, 21, agency)
            walk.step(
                "The agency moves the deadline to 21 days after the documents are issued",
                "agency",
                "PUT",
                f"/tenders/{tid}",
                json=body,
            )
            document = walk.call("agency", "GET", f"/tenders/{tid}/announcement").json()["document"]
            key, certificate = demo_signer(platform, "agency")
            signature = sign_json(document, key, certificate, signed_at=walk.now())
            console.print(
                f"   ✍ the agency signs the announcement in its own tool with its SM2 certificate "
                f"({certificate.subject.common_name})"
            )
            announced = walk.step(
                "The signed announcement is published with the credit commitment (M2)",
                "agency",
                "POST",
                f"/tenders/{tid}/announce",
                json={"signature": signature},
            )
            walk.step("Anyone can read it without logging in", None, "GET", f"/tenders/{tid}")
            deadline = datetime.fromisoformat(announced["bid_deadline"])
            walk.step(
                "An early clarification needs no new deadline",
                "agency",
                "POST",
                f"/tenders/{tid}/clarifications",
                201,
                json={"text": "第三章第2.1条“类似工程”指单体建筑面积一万平方米以上的公共建筑。"},
            )
            walk.clock(days=max(0, (deadline - walk.now()).days - 12))
            walk.step(
                "12 days before the deadline, a modification that keeps the deadline is refused (法 §23)",
                "agency",
                "POST",
                f"/tenders/{tid}/clarifications",
                "clarification_requires_deadline_extension",
                json={"text": "工程量清单第5项调整。"},
            )
            new_deadline = walk.now() + timedelta(days=16)
            walk.step(
                "…and accepted when the deadline moves to 16 days away",
                "agency",
                "POST",
                f"/tenders/{tid}/clarifications",
                201,
                json={"text": "工程量清单第5项调整。", "new_bid_deadline": new_deadline.isoformat()},
            )
            objection = walk.step(
                "A bidder objects to the documents (条例 §22); the tender is suspended",
                "bidder2",
                "POST",
                f"/tenders/{tid}/objections",
                201,
                json={"text": "评分办法将“省级优质工程奖”作为加分项，属以特定地区奖项作为加分条件。"},
            )
            walk.step(
                "While the objection is unanswered, a clarification is refused",
                "agency",
                "POST",
                f"/tenders/{tid}/clarifications",
                "tender_suspended",
                json={"text": "补充说明。"},
            )
            walk.step(
                "The agency answers within 3 days; the tender resumes",
                "agency",
                "POST",
                f"/tenders/{tid}/objections/{objection['id']}/answer",
                json={"answer": "已删除该加分项，详见第2号澄清。"},
            )
            walk.clock(days=7)
            walk.step(
                "An objection 9 days before the deadline is refused (at least 10 days)",
                "bidder1",
                "POST",
                f"/tenders/{tid}/objections",
                "objection_too_late",
                json={"text": "异议。"},
            )
            _bidding(walk, platform, tid, base)
            eid = to_contract.run(walk, platform, tid)
            final = walk.step("The tender's state", None, "GET", f"/tenders/{tid}")
            result = walk.step("The section's evaluation, as the public reads it", None, "GET", f"/evaluations/{eid}")
            console.print(
                f"\n   tender {final['code']} is [bold]{final['status']}[/]; {len(final['clarifications'])} clarifications; "
                f"its section is [bold]{result.get('status')}[/] at {(result.get('contract') or {}).get('price')} 元"
            )
            for what, subject in (("tender", tid), ("evaluation", eid)):
                feed = walk.call(None, "GET", "/events", params={"subject_id": subject}).json()["items"]
                console.print(f"   public change feed of the {what}: " + " → ".join(e["name"] for e in feed))
            if final["status"] != "opened" or result.get("status") != "contracted":
                walk.fail(f"the tender is {final['status']} and its evaluation {result.get('status')}")
            _verify_ledger(walk, server)
        platform.engine.dispose()
    if walk.failures:
        console.print(f"[red]{walk.failures} step(s) did not behave as expected[/]")
        return 1
    console.print("[green]demo finished: every step behaved as the rules require[/]")
    return 0


def _verify_ledger(walk: Walk, server: str) -> None:
    """Anyone checks the whole log of the running platform with the command a citizen would run."""
    walk.step("The platform signs the tree head of the whole log", "admin", "POST", "/ledger/tree-heads", 201)
    walk.console.print(f"\n   $ sunbid ledger verify --url {server}")
    done = subprocess.run(  # noqa: S603 - this interpreter, the platform's own command, no shell
        [sys.executable, "-m", "sunbid.cli.main", "ledger", "verify", "--url", server],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ | {"COLUMNS": "400", "NO_COLOR": "1"},
    )
    for line in (done.stdout + done.stderr).strip().splitlines():
        walk.console.print(f"   {escape(line)}")
    if done.returncode != 0:
        walk.fail(f"sunbid ledger verify exited with {done.returncode}")


def _bidding(walk: Walk, platform: Platform, tid: str, base: Path) -> None:
    """Sealed bids, the deadline and the online opening (M5, 电子招标投标办法 第二十六条-第三十二条)."""
    import base64

    from sunbid.client.bids import KeyPair, seal, verify_receipt
    from sunbid.crypto import envelope
    from sunbid.crypto.trust import TrustStore

    tender = walk.call("agency", "GET", f"/tenders/{tid}").json()
    section = tender["sections"][0]["id"]
    terms = walk.call("bidder1", "GET", f"/tenders/{tid}/sealing").json()

    def sealed(who: str, price: str) -> bytes:
        key, cert = demo_signer(platform, who)
        _enc_key, enc_cert = demo_signer(platform, f"{who}-enc")
        out = base / f"{who}-{price}.sbe"
        seal(
            out,
            terms,
            tender_id=tid,
            section_id=section,
            bidder=envelope.Party(cert.credit_code or "", cert.organisation or ""),
            form={
                "price": price,
                "duration_days": 540,
                "quality": "合格",
                "project_manager": {"name": f"{who} 项目经理"},
            },
            files=[
                envelope.BidFile("投标函.pdf", data=f"投标报价 {price} 元".encode(), author=who),
                envelope.BidFile("技术标.docx", part="technical", data=b"PK" + bytes(200_000), author=who),
            ],
            signing=KeyPair(key, cert),
            encryption_certificate=enc_cert,
            suite="gm",
            now=walk.now(),
        )
        return out.read_bytes()

    octets = {"Content-Type": "application/octet-stream"}
    receipts = {}
    for who, price in (("bidder1", "44800000.00"), ("bidder2", "44100000.00"), ("bidder3", "43900000.00")):
        walk.console.print(
            f"   🔒 {who} seals its bid on its own machine (SM4-GCM, key wrapped for its SM2 certificate)"
        )
        receipts[who] = walk.step(
            f"{who} submits its sealed bid and gets a signed receipt (回执)",
            who,
            "POST",
            f"/tenders/{tid}/sections/{section}/bids",
            201,
            content=sealed(who, price),
            headers=octets | {"Idempotency-Key": f"demo-{who}"},
        )
    walk.step(
        "A plain file is refused: it is not sealed (电子招标投标办法 第二十六条)",
        "bidder4",
        "POST",
        f"/tenders/{tid}/sections/{section}/bids",
        "envelope_malformed",
        content=b"%PDF-1.7 plain bid",
        headers=octets,
    )
    receipts["bidder4"] = walk.step(
        "bidder4 seals its bid with its bid tool this time, and submits it",
        "bidder4",
        "POST",
        f"/tenders/{tid}/sections/{section}/bids",
        201,
        content=sealed("bidder4", "43650000.00"),
        headers=octets | {"Idempotency-Key": "demo-bidder4"},
    )
    seen = walk.step(
        "Before the deadline the agency sees no bid, not even how many (法 §22)",
        "agency",
        "GET",
        f"/tenders/{tid}/bids",
    )
    if seen:
        walk.fail("the agency saw bids before the deadline")
    receipts["bidder1"] = walk.step(
        "bidder1 replaces its bid with a lower price",
        "bidder1",
        "POST",
        f"/tenders/{tid}/sections/{section}/bids",
        201,
        content=sealed("bidder1", "44500000.00"),
        headers=octets,
    )
    root = load_certificates(walk.call(None, "GET", "/platform/certificate").json()["root"].encode())[0]
    checked = verify_receipt(receipts["bidder1"]["receipt"], root)
    walk.console.print(
        f"   🧾 bidder1 checks its receipt: signed by {checked['signed_by']}, received {checked['received_at']}, "
        f"ledger entry {checked['ledger_seq']}"
    )
    late = sealed("bidder4", "43200000.00")
    deadline = datetime.fromisoformat(tender["bid_deadline"])
    walk.clock(days=(deadline - walk.now()).days + 1)
    walk.step(
        "After the deadline bidder4's lower replacement bid is refused (电子招标投标办法 第二十七条)",
        "bidder4",
        "POST",
        f"/tenders/{tid}/sections/{section}/bids",
        "bid_deadline_passed",
        content=late,
        headers=octets,
    )
    walk.step("The scheduler closes bidding and opens the tender (4 bids)", "admin", "POST", "/admin/scheduler/run")
    for who in ("bidder1", "bidder2", "bidder4"):
        bid = walk.call(who, "GET", f"/bids/{receipts[who]['bid']['id']}").json()
        current = next(sub for sub in bid["submissions"] if sub["status"] == "current")
        header = envelope.parse_header(current["header"].encode())
        enc_key, _cert = demo_signer(platform, f"{who}-enc")
        content_key = envelope.unwrap_content_key(header, enc_key)
        walk.step(
            f"{who} unwraps its key with its own certificate and decrypts online",
            who,
            "POST",
            f"/bids/{bid['id']}/decryption",
            json={"content_key": base64.b64encode(content_key).decode()},
        )
    walk.console.print("   ⌛ bidder3 does not decrypt within the window")
    walk.clock(hours=1)
    walk.step(
        "The window closes: bidder3's bid counts as revoked (撤销, 电子招标投标办法 第三十一条)",
        "admin",
        "POST",
        "/admin/scheduler/run",
    )
    objection = walk.step(
        "bidder2 objects at the opening (条例 §44)",
        "bidder2",
        "POST",
        f"/tenders/{tid}/opening/objections",
        201,
        json={"text": "请核对第一标段投标人名称宣读是否有误。"},
    )
    walk.step(
        "Concluding with the objection unanswered is refused",
        "agency",
        "POST",
        f"/tenders/{tid}/opening/conclude",
        "opening_objection_unanswered",
    )
    walk.step(
        "The agency answers on the record",
        "agency",
        "POST",
        f"/tenders/{tid}/opening/objections/{objection['id']}/answer",
        json={"text": "经核对，宣读无误。"},
    )
    walk.step(
        "The agency concludes the opening; the record is signed and published",
        "agency",
        "POST",
        f"/tenders/{tid}/opening/conclude",
    )
    public = walk.step("Anyone reads the opening record", None, "GET", f"/tenders/{tid}/opening")
    verify_json(public["record"], public["record_signature"], TrustStore([root]), walk.now())
    bids = public["record"]["sections"][0]["bids"]
    rows = [
        f"{b['bidder']['name']} {b['price'] or '—'} ({b['status']}"
        + "".join(f", invalid: {g.get('code')}" for g in b.get("invalid_grounds") or [])
        + ")"
        for b in bids
    ]
    walk.console.print("   📜 the record, signature checked: " + "; ".join(rows))
    if any(b.get("invalid_grounds") for b in bids):
        walk.fail("the demo's bidders are independent, yet the opening found bids invalid")
