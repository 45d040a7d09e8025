"""Hostile text from LogiKal: control characters are dropped (PostgreSQL refuses NUL), markup is kept."""

from logikal_connector.logikal import Directory, Elevation, Project

PROJECT = {"id": "5ddb1393-56eb-4280-9f7e-3c3aec51483c", "name": "x", "createdDate": 1711463060}


def test_nul_and_controls_are_dropped_tabs_and_newlines_kept():
    project = Project.from_api({**PROJECT, "name": " Nul\x00byte\x07\x1b[31m\tred\r\nline ", "jobNumber": "\x00"})
    assert (project.name, project.job_number) == ("Nulbyte[31m\tred\r\nline", "")


def test_markup_and_long_text_are_kept_verbatim():
    markup = "<img src=x onerror=alert(1)>"
    long_text = "Ünïcødé " * 1250
    assert Project.from_api({**PROJECT, "name": markup}).name == markup
    assert Project.from_api({**PROJECT, "name": long_text}).name == long_text.strip()


def test_directory_paths_and_elevation_texts_are_cleaned_too():
    assert Directory.from_api({"path": "Klanten\x00/Café", "name": "Café\x01"}) == Directory("Klanten/Café", "Café")
    elevation = Elevation.from_api({"id": PROJECT["id"], "name": "P\x0001", "userDescription": "a\x00b"})
    assert (elevation.name, elevation.user_description) == ("P01", "ab")
