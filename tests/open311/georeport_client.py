#!/usr/bin/env python3
"""Runs the PyPI Open311 client `georeport` (0.3.1, unmodified) against a running Minhu
server, in JSON or XML, plus the write side the client lacks (a form POST with an api_key)
done with `requests`. Usage:

    georeport_client.py --base http://127.0.0.1:PORT/open311/v2 --format json|xml --api-key KEY

Prints one line per check and ends with 'N passed, N failed'; exits non-zero on a failure.
"""
import argparse
import datetime
import sys
import traceback

import requests
import xmltodict
from georeport import GeoReport

JURISDICTION = "SFQ"  # the demo district's code
SECRET_NAME, SECRET_PHONE = "欧阳娜娜", "13912345678"


def as_list(x):
    """xmltodict gives a dict for a single element, a list for several (a client quirk)."""
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--format", choices=["json", "xml"], required=True)
    ap.add_argument("--api-key", required=True)
    a = ap.parse_args()
    fmt = a.format
    c = GeoReport(a.base, jurisdiction=JURISDICTION, output_format=fmt)
    state = {}
    checks = []

    def check(name):
        def deco(f):
            checks.append((name, f))
            return f
        return deco

    @check("get_service_list: the catalogue, 7 classes and the 便民服务事项")
    def _():
        services = as_list(c.get_service_list())
        codes = {s["service_code"] for s in services}
        assert len(services) >= 56, len(services)
        assert {"SZ-LD", "ZA-ZY", "BM-01"} <= codes, codes
        lamp = next(s for s in services if s["service_code"] == "SZ-LD")
        assert str(lamp["metadata"]).lower() == "true", lamp
        assert lamp["type"] == "realtime" and lamp["group"] == "市政设施", lamp

    @check("get_service_definition: attributes, a multivaluelist with its values")
    def _():
        d = c.get_service_definition("ZA-ZY")
        assert d["service_code"] == "ZA-ZY", d
        attrs = d["attributes"] if fmt == "json" else as_list(d["attributes"]["attribute"])
        periods = next(x for x in attrs if x["code"] == "periods")
        assert periods["datatype"] == "multivaluelist", periods
        values = periods["values"] if fmt == "json" else as_list(periods["values"]["value"])
        assert {v["key"] for v in values} == {"evening", "night", "weekend"}, values

    @check("POST requests (form, api_key, Chinese name without a space, multivalue attribute)")
    def _():
        body = [
            ("api_key", a.api_key), ("jurisdiction_id", JURISDICTION), ("service_code", "ZA-ZY"),
            ("attribute[periods][]", "night"), ("attribute[periods][]", "weekend"),
            ("lat", "36.6512"), ("long", "117.1209"), ("address_string", "德馨苑3号楼2单元501室"),
            ("description", f"工地夜间施工，吵得睡不着。电话{SECRET_PHONE}"),
            ("last_name", "欧阳"), ("first_name", "娜娜"), ("phone", SECRET_PHONE),
        ]
        r = requests.post(f"{a.base}/requests.{fmt}", data=body)
        assert r.status_code == 201, (r.status_code, r.text)
        if fmt == "json":
            item = r.json()[0]
        else:
            assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>'), r.text
            item = xmltodict.parse(r.content)["service_requests"]["request"]
        state["id"] = item["service_request_id"]
        assert state["id"].isdigit(), item

    @check("POST with a wrong api_key is 403 with an error array")
    def _():
        r = requests.post(f"{a.base}/requests.{fmt}", data={"api_key": "wrong", "service_code": "SZ-LD"})
        assert r.status_code == 403, r.status_code
        err = r.json()[0] if fmt == "json" else as_list(xmltodict.parse(r.content)["errors"]["error"])[0]
        assert str(err["code"]) == "403" and err["description"], err

    @check("get_service_request: the new request, without personal data")
    def _():
        got = c.get_service_request(state["id"])
        assert got["service_request_id"] == state["id"], got
        assert got["status"] == "open" and got["service_code"] == "ZA-ZY", got
        assert got["address"] == "德馨苑3号楼", got
        raw = requests.get(f"{a.base}/requests/{state['id']}.{fmt}").text
        for secret in (SECRET_NAME, SECRET_PHONE, "501室"):
            assert secret not in raw, secret

    @check("get_service_requests: service_request_id overrides the other arguments")
    def _():
        got = as_list(c.get_service_requests(service_request_id=state["id"], status="closed"))
        assert [r["service_request_id"] for r in got] == [state["id"]], got

    @check("get_service_requests: status, service_code and a date range")
    def _():
        now = datetime.datetime.now(datetime.timezone.utc)
        start = (now - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = (now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        got = as_list(c.get_service_requests(status="open", service_code="ZA-ZY,SZ-LD", start_date=start, end_date=end))
        assert state["id"] in {r["service_request_id"] for r in got}, got
        assert all(r["status"] == "open" for r in got)
        assert all(r["service_code"] in ("ZA-ZY", "SZ-LD") for r in got)

    @check("get_service_requests: the default window holds the demo's live requests")
    def _():
        got = as_list(c.get_service_requests())
        assert len(got) > 10, len(got)
        assert all(r["requested_datetime"][-6:] in ("+08:00",) or r["requested_datetime"].endswith("Z") for r in got)

    @check("get_service_request of an unknown id raises the client's HTTPError (404)")
    def _():
        try:
            c.get_service_request("000000000000")
        except requests.HTTPError as e:
            assert e.response.status_code == 404, e.response.status_code
        else:
            raise AssertionError("no error for an unknown id")

    passed = failed = 0
    for name, f in checks:
        try:
            f()
            passed += 1
            print(f"ok   [{fmt}] {name}")
        except Exception:
            failed += 1
            print(f"FAIL [{fmt}] {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
