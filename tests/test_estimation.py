"""Project estimation, price base and addresses: the value objects, the session reads, the simulator endpoints."""

import pytest

from logikal_connector.logikal import (
    LogikalBadRequest,
    LogikalClient,
    LogikalNotFound,
    LogikalProtocolError,
    LogikalSession,
    LogikalWrongContext,
)
from logikal_connector.logikal.estimation import (
    Address,
    EstimationDataSet,
    ProjectEstimation,
    address_types_from_api,
    customer_address_type,
    parse_price,
)
from logikal_sim import Simulator, generate_dataset
from logikal_sim.server import elevation_prices

MODES = ("lenient", "observed", "strict")
GUID = "5ddb1393-56eb-4280-9f7e-3c3aec51483c"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (1234.5, 1234.5),
        (7, 7.0),
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("€ 1.234,56", 1234.56),
        ("EUR 12", 12.0),
        ("0,5", 0.5),
        ("1'234.50", 1234.5),
        (None, None),
        ("", None),
    ],
)
def test_parse_price_takes_the_last_separator_as_decimal(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize("bad", ["abc", "12-3", True, float("nan"), [], "--1"])
def test_parse_price_refuses_what_is_no_price(bad):
    with pytest.raises(ValueError):
        parse_price(bad)


def test_project_estimation_from_api():
    estimation = ProjectEstimation.from_api(
        {
            "id": GUID.upper(),
            "currency": "eur",
            "elevations": [
                {
                    "id": "{" + GUID + "}",
                    "name": " P01 ",
                    "netPricePerUnit": 1000.5,
                    "totalPricePerUnit": "1.210,61",
                    "netPrice": 2001,
                    "totalPrice": None,
                }
            ],
        }
    )
    assert (estimation.id, estimation.currency) == (GUID, "EUR")
    (row,) = estimation.elevations
    assert (row.id, row.name, row.net_price_unit, row.total_price_unit, row.net_price, row.total_price) == (
        GUID,
        "P01",
        1000.5,
        1210.61,
        2001.0,
        None,
    )
    assert estimation.by_elevation() == {GUID: row}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"currency": "EUR", "elevations": {"id": GUID}}, "elevations"),
        ({"currency": "EURO", "elevations": []}, "currency"),
        ({"currency": "EUR", "elevations": [{"id": GUID, "netPricePerUnit": "lots"}]}, "netPricePerUnit"),
        ({"currency": "EUR", "elevations": [{"name": "no id"}]}, "id"),
    ],
)
def test_project_estimation_names_the_bad_field(payload, field):
    with pytest.raises(LogikalProtocolError, match=field):
        ProjectEstimation.from_api(payload)


def test_price_base_and_address_from_api():
    assert EstimationDataSet.from_api({"id": 3, "name": " Prijsbasis ", "isDefault": True}) == EstimationDataSet(
        "3", "Prijsbasis", True
    )
    with pytest.raises(LogikalProtocolError, match="id"):
        EstimationDataSet.from_api({"name": "no id"})
    address = Address.from_api({"name1": "ACME", "zipCode": "9000", "city": "Gent"}, "Customer")
    assert (address.name1, address.zip_code, address.city, address.street, address.is_empty) == (
        "ACME",
        "9000",
        "Gent",
        "",
        False,
    )
    assert address_types_from_api({"addressTypes": ["Architect", " Customer ", "", 3]}) == ["Architect", "Customer"]
    assert customer_address_type(["Architect", "Customer"]) == "Customer"
    assert customer_address_type(["Architect", "Bauherr"]) == "Bauherr"
    assert customer_address_type(["Architect"]) == "Architect"
    assert customer_address_type([]) is None


@pytest.mark.parametrize("mode", MODES)
def test_session_reads_prices_and_addresses_with_the_project_selected_no_select_no_login(mode):
    dataset = generate_dataset("small")
    with Simulator(dataset, username="u", password="p", mode=mode) as sim:
        project = next(p for p in sim.expected()["projects"] if p["name"] == "DOS22309")
        path, guid = project["directory"], project["id"]
        with LogikalSession(LogikalClient(sim.base_url), "u", "p") as session:
            session.list_phases(path, guid)
            sim.reset_counters()
            estimation = session.project_estimation(path, guid)
            price_base = session.project_estimation_data(path, guid)
            types = session.project_address_types(path, guid)
            address = session.project_address(path, guid, customer_address_type(types))
            calls = sim.counters()["calls"]
            assert session.stats.calls["GET /projects/selected/addresses/{addressType}"] == 1
        elevations = [e for e in sim.expected()["elevations"] if e["project"] == guid]
        assert estimation.currency == "EUR"
        assert {row.id: (row.net_price_unit, row.total_price_unit) for row in estimation.elevations} == {
            e["id"]: (elevation_prices(e)["netPricePerUnit"], elevation_prices(e)["totalPricePerUnit"])
            for e in elevations
        }
        assert (price_base.name, price_base.is_default) == ("Prijsbasis 2025 (netto)", True)
        assert types == ["Customer", "Architect"]
        customer = dataset.projects[guid].addresses["Customer"]
        assert (address.name1, address.zip_code, address.city, address.email) == (
            customer["name1"],
            customer["zipCode"],
            customer["city"],
            customer["email"],
        )
        assert calls == {
            "GET /projects/selected/estimation": 1,
            "GET /projects/selected/estimation-data": 1,
            "GET /projects/selected/addresses": 1,
            "GET /projects/selected/addresses/{addressType}": 1,
        }
        assert sim.counters()["logins"] == 0, "no login after the phases were listed"


@pytest.mark.parametrize(("status", "error"), [(404, LogikalNotFound), (405, LogikalWrongContext)])
def test_a_refused_estimation_is_raised_without_a_relogin(status, error):
    with Simulator(generate_dataset("small"), username="u", password="p", mode="strict") as sim:
        project = next(p for p in sim.expected()["projects"] if p["name"] == "DOS22309")
        with LogikalSession(LogikalClient(sim.base_url, max_retries=0), "u", "p") as session:
            session.list_phases(project["directory"], project["id"])
            sim.set_faults(error_rate=1.0, error_status=status, endpoints=["GET /projects/selected/estimation"])
            with pytest.raises(error):
                session.project_estimation(project["directory"], project["id"])
            sim.set_faults()
            assert session.project_estimation_data(project["directory"], project["id"]).id == "3"
            assert session.stats.relogins == []
        assert sim.counters()["logins"] == 1


def test_simulator_address_errors_and_mutations():
    with Simulator(generate_dataset("small"), username="u", password="p") as sim:
        project = next(p for p in sim.expected()["projects"] if p["name"] == "DOS22309")
        path, guid = project["directory"], project["id"]
        sim.mutate("set_address", project=guid, address_type="Customer", name1="Nieuwe Klant", zipCode="1000")
        sim.mutate("set_address", project=guid, address_type="Architect", remove=True)
        sim.mutate("set_estimation", currency="usd", name="Prijsbasis 2026")
        with LogikalSession(LogikalClient(sim.base_url, max_retries=0), "u", "p") as session:
            session.list_phases(path, guid)
            assert session.project_address_types(path, guid) == ["Customer"]
            assert session.project_address(path, guid, "Customer").name1 == "Nieuwe Klant"
            with pytest.raises(LogikalBadRequest, match="400"):
                session.project_address(path, guid, "Architect")
            assert session.project_estimation(path, guid).currency == "USD"
            assert session.project_estimation_data(path, guid).name == "Prijsbasis 2026"
        with pytest.raises(ValueError):
            sim.mutate("set_address", project=guid, street_name="x")
