"""`./logikal parts FILE [--elevation GUID | --name NAME] [--json] [--max-mb N]`

Parses a parts-list file (raw SQLite, base64 text as the API delivers it, or the JSON envelope) and prints
a readable summary, or one JSON object with `--json`. Any problem prints ONE line on stderr, exit status 2.
"""

import json
import sys

from logikal_connector.logikal.exceptions import PartsListError
from logikal_connector.logikal.partslist import decode_parts_payload, parse_parts_list

from .args import ArgumentParser, UsageError

EXIT_INVALID = 2


def _argument_parser():
    parser = ArgumentParser(prog="logikal parts", description="Parse a LogiKal parts-list SQLite file.")
    parser.add_argument("file", help="SQLite file, base64 text or JSON envelope ('-' reads stdin)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--elevation", metavar="GUID", help="elevation GUID to extract")
    which.add_argument("--name", metavar="NAME", help="exact elevation name to extract")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-mb", type=float, default=20.0, metavar="N", help="size cap in MB (default 20)")
    return parser


def main(argv):
    try:
        args = _argument_parser().parse_args(argv)
        if args.max_mb <= 0:
            raise UsageError("--max-mb must be positive")
        max_bytes = int(args.max_mb * 1024 * 1024)
        data = decode_parts_payload(_read(args.file, max_bytes), max_bytes)
        parts = parse_parts_list(data, elevation_id=args.elevation, elevation_name=args.name, max_bytes=max_bytes)
    except UsageError as exc:
        return _fail(f"usage: {exc}")
    except PartsListError as exc:
        return _fail(f"invalid parts list: {exc}")
    except OSError as exc:
        return _fail(f"cannot read {exc.filename or 'input'}: {exc.strerror or exc}")
    if args.json:
        sys.stdout.write(json.dumps(parts.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(_summary(parts) + "\n")
    return 0


def _read(path, max_bytes):
    """The file's bytes; a generous cap (base64 is 4/3 larger) stops a huge file before it is read whole."""
    limit = max_bytes * 4 // 3 + 1024 * 1024
    if path == "-":
        return sys.stdin.buffer.read(limit + 1)
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def _fail(message):
    sys.stderr.write("logikal parts: " + " ".join(message.split()) + "\n")
    return EXIT_INVALID


def _summary(parts):
    info = parts.elevation
    lines = [
        f"sha256        {parts.sha256}",
        f"description   {info.auto_description or '-'}",
        f"short         {info.auto_description_short or '-'}",
        f"size          {_measure(info.width, info.width_unit)} x {_measure(info.height, info.height_unit)}",
        f"weight        {_measure(info.weight, info.weight_unit)}",
        f"area          {_measure(info.area, info.area_unit)}",
        f"system        {info.system_code or '-'}  {info.system_name or '-'}",
        f"system (long) {info.system_long_name or '-'}",
        f"base colour   {info.color_base or '-'}",
        f"glass lines   {len(parts.glass)}",
    ]
    lines += [_glass_line(line) for line in parts.glass]
    articles = sum(1 for line in parts.bom if line.kind == "article")
    lines.append(f"BOM lines     {len(parts.bom)} ({articles} articles, {len(parts.bom) - articles} profiles)")
    lines += [_bom_line(line) for line in parts.bom]
    if parts.missing_tables:
        lines.append(f"missing       {', '.join(parts.missing_tables)} (no such table in the file)")
    return "\n".join(lines)


def _glass_line(line):
    size = f"{_num(line.width)} x {_num(line.height)} mm"
    return f"  {line.glass_id:>4}  {size}  {_num(line.area)} m²  x{_num(line.quantity)}  {line.name or ''}"


def _bom_line(line):
    length = f"{_num(line.length)} mm" if line.length is not None else ""
    quantity = f"x{_num(line.quantity)}"
    price = _num(line.price)
    return f"  {line.kind:<8} {line.code:<14} {quantity:<7} {length:<10} {price:>9}  {line.description or ''}"


def _measure(value, unit):
    return "-" if value is None else f"{_num(value)} {unit or ''}".rstrip()


def _num(value):
    return "-" if value is None else f"{value:g}"
