"""Command line: arguments only; every command calls into the package."""

from __future__ import annotations

import argparse
import codecs
import json
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__

if TYPE_CHECKING:
    from pipeline.api import PipelineConfig

# The exit codes of every command (README "Exit codes"): 0 ok; 1 the work found problems or failed;
# 2 bad usage or an argument that cannot be read (argparse also exits 2 on bad usage).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or an argument that cannot be read: the message names it; exit 2, nothing was done."""


def main(argv: Sequence[str] | None = None) -> int:
    closed = _reopen_closed_standard_streams()
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args.closed_streams = closed
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # a reader gone away shows here, not at exit, where it cannot be caught
        if STDOUT in closed and code == EXIT_OK:
            print(f"glossary-pipeline {args.command}: finished, but standard output is closed, so what it prints "
                  "was lost; give it an output (`> FILE`, `| less`)", file=sys.stderr)
            return EXIT_FAILED
    except UsageError as error:
        print(f"glossary-pipeline {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`schema | head`): the Python docs' recipe ("Note on SIGPIPE") points stdout
        # at devnull, so the flush at exit cannot raise again, and exits 1 like a program its pipe ended.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    return code


STDIN, STDOUT, STDERR = 0, 1, 2


def _reopen_closed_standard_streams() -> set[int]:
    """The standard streams that were closed when the command started (`>&-`, `2>&-`, `<&-`), each now the
    null device, and every stream's unencodable characters escaped.

    A closed stream is None in Python, and the first file the command opens would take its number: a
    message printed to it then lands in that file (the lock, a record file). A terminal or pipe whose
    encoding is not UTF-8 (LANG=en_US.ISO-8859-1) cannot take every character of a path or a term: they
    are written as escapes (`\\u2192`) rather than ending the command with a UnicodeEncodeError."""
    closed: set[int] = set()
    for fd in (STDIN, STDOUT, STDERR):  # in order: os.open gives the lowest free number
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            opened = os.open(os.devnull, os.O_RDONLY if fd == STDIN else os.O_WRONLY)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    if STDIN in closed:
        sys.stdin = open(STDIN, encoding="utf-8", closefd=False)  # noqa: SIM115 (the process's own stream)
    for fd, name in ((STDOUT, "stdout"), (STDERR, "stderr")):
        if fd in closed:
            setattr(sys, name, open(fd, "w", encoding="utf-8", closefd=False))  # noqa: SIM115
        stream = getattr(sys, name)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    return closed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glossary-pipeline", description="Scraped health-glossary pages in, validated glossary records out."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="turn pages into records (JSON Lines or Parquet), rejects and run.json")
    run.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="files, folders (walked recursively), WARC / WARC.gz, JSON Lines"
    )
    run.add_argument("--from", dest="inputs_from", type=_path, metavar="FILE", help="read more inputs, one a line")
    run.add_argument("-o", "--output", type=_path, default=Path("output"), help="output folder (default: output/)")
    run.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="records format (default: jsonl)")
    run.add_argument(
        "--workers", type=_positive_int, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    run.add_argument("--executor", choices=("local", "dask"), default="local", help="where pages are processed")
    run.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (default: a LocalCluster of --workers)")
    run.add_argument("--resume", action="store_true", help="finish the run in the output folder; skip unchanged inputs")
    run.add_argument("--force", action="store_true", help="with --resume: process every input again")
    _add_page_options(run)
    run.add_argument(
        "--shard-size", type=_positive_int, default=1000, metavar="N", help="inputs per shard (default: 1000)"
    )
    for name, default in (("url", "url"), ("html", "html"), ("text", "text")):
        run.add_argument(f"--jsonl-{name}", default=default, metavar="FIELD", help=f"JSON Lines {name} field")
    _add_site_templates_flag(run)
    run.set_defaults(handler=_run)

    schema = commands.add_parser("schema", help="print the record JSON Schema")
    schema.add_argument("--reject", action="store_true", help="print the reject schema instead")
    schema.set_defaults(handler=_schema)

    validate = commands.add_parser(
        "validate", help="check a records or rejects file (JSON Lines or Parquet) against its schema"
    )
    validate.add_argument("file", type=_path)
    validate.add_argument(
        "--reject", action="store_true", help="every row is a reject (default: told by its fields, row by row)"
    )
    validate.set_defaults(handler=_validate)

    clean = commands.add_parser("clean", help="run read, decode and clean only; write each page's kept text")
    clean.add_argument("inputs", nargs="+", metavar="INPUT")
    clean.add_argument("-o", "--output", type=_path, required=True, help="folder for <name>.txt files")
    clean.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1)
    _add_page_options(clean)
    _add_site_templates_flag(clean)
    clean.set_defaults(handler=_clean)

    audit = commands.add_parser("audit", help="write RUN_DIR/audit.html and RUN_DIR/audit.json for a finished run")
    audit.add_argument("run_dir", type=_path)
    audit.add_argument(
        "--max-records", type=_positive_int, default=500, help="per-record views for this many records (default 500)"
    )
    audit.add_argument(
        "--max-rejects", type=_positive_int, default=1000, metavar="N", help="rejects listed per reason (default 1000)"
    )
    audit.set_defaults(handler=_audit)

    evaluate = commands.add_parser("evaluate", help="score a run against gold files (ANNOTATION.md format)")
    evaluate.add_argument("run_dir", type=_path)
    evaluate.add_argument("gold_dir", type=_path)
    evaluate.add_argument("--json", type=_path, metavar="FILE", help="also write metrics and problems as JSON")
    evaluate.add_argument("--show", type=int, default=20, metavar="N", help="print the first N problems")
    evaluate.set_defaults(handler=_evaluate)

    diff = commands.add_parser("diff", help="what changed between two runs of the same inputs (exit 1 if anything)")
    diff.add_argument("run_a", type=_path)
    diff.add_argument("run_b", type=_path)
    diff.add_argument("--json", type=_path, metavar="FILE", help="also write the differences as JSON")
    diff.set_defaults(handler=_diff)

    tag = commands.add_parser("tag", help='tag JSON lines {"id", "text"}; write {"id", "entities"} lines')
    tag.add_argument("file", nargs="?", default="-", help="input file, or - for standard input (default)")
    tag.set_defaults(handler=_tag)
    return parser


def _add_site_templates_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--no-site-templates", dest="site_templates", action="store_false",
        help="do not learn and drop text that recurs on most pages of one site (default: learn it over the inputs)",
    )


# The per-page limits of `PipelineConfig` (pipeline/api.py) and `Limits` (pipeline/read.py), as flags. A flag
# left out keeps the configuration's own default (None here), so behaviour has one source; the defaults in
# the help text are checked against the configuration by tests/test_cli_usage.py. Importing the configuration
# here would load spaCy for every command, `schema` included.
PAGE_OPTIONS = (
    ("--timeout", "max_seconds_per_page", "SECONDS", "seconds one page may take, 0 for no limit (default 30)"),
    ("--language", "language", "CODE", "the language pages must be in, ISO 639-1 (default en)"),
    ("--max-bytes", "max_bytes", "N", "bytes of one file or page as read (default 20,000,000)"),
    ("--max-decompressed-bytes", "max_decompressed_bytes", "N", "bytes a gzip page may expand to (default 50,000,000)"),
    ("--max-chars", "max_text_chars", "N", "characters of one decoded page (default 5,000,000)"),
    ("--max-depth", "max_depth", "N", "element nesting, 1 to 256 (default 256)"),
)
_LIMITS_FIELDS = ("max_bytes", "max_decompressed_bytes")


def _add_page_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("per-page limits (a page over one is a reject with its reason)")
    for flag, name, metavar, help_text in PAGE_OPTIONS:
        kind: Callable[[str], object] = {"language": str, "max_seconds_per_page": _non_negative_float}.get(
            name, _positive_int)
        group.add_argument(flag, dest=name, type=kind, default=None, metavar=metavar, help=help_text)


def _page_config(args: argparse.Namespace) -> PipelineConfig:
    from dataclasses import replace

    from pipeline.api import PipelineConfig

    config = PipelineConfig(site_templates=args.site_templates)
    given = {name: value for _, name, _, _ in PAGE_OPTIONS if (value := getattr(args, name)) is not None}
    language = given.get("language", config.language)
    if language != config.language:  # py3langid is loaded only for another language than the default
        from pipeline.language import known_languages

        if language not in known_languages():
            raise UsageError(f"--language {language}: not a language code py3langid knows (ISO 639-1: en, de, es, ...)")
    limits = replace(config.limits, **{name: given.pop(name) for name in _LIMITS_FIELDS if name in given})
    try:
        return replace(config, limits=limits, **given)
    except ValueError as error:  # the configuration checks its own ranges (max_depth, max_seconds_per_page)
        flag = next((flag for flag, name, _, _ in PAGE_OPTIONS if str(error).startswith(name)), "a limit")
        raise UsageError(f"{flag}: {error}") from error


def _path(text: str) -> Path:
    # Path("") is ".": `-o "$OUT"` with OUT unset wrote a run into the current folder, `--json ""` failed at the end.
    if not text:
        raise argparse.ArgumentTypeError("an empty path (an unset shell variable?)")
    return Path(text)


def _machine_workers(requested: int, command: str) -> int:
    """At most one worker process per core: each holds its own pipeline (about 200 MB), so processes past the
    cores add no speed, only memory (`--workers 100` on a small machine ran it out of memory)."""
    cores = os.cpu_count() or 1
    if requested <= cores:
        return requested
    print(f"glossary-pipeline {command}: --workers {requested} is more than this machine's {cores} cores; using "
          f"{cores} (each worker process holds its own pipeline, about 200 MB)", file=sys.stderr)
    return cores


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not 0 <= value < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError("must be a number, 0 or more")
    return value


def _require_existing(paths: Sequence[str | Path], what: str) -> None:
    """A path named on the command line that is not there is bad usage (a typo), not a reject."""
    missing = [str(path) for path in paths if not os.path.exists(path)]  # a broken link too: nothing to read
    if missing:
        raise UsageError(f"no such {what}: {', '.join(missing)}")


_WIDE_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
               (codecs.BOM_UTF16_BE, "utf-16"))


def _input_list(data: bytes) -> list[str]:
    """The paths of a --from list: one a line, or NUL-separated (`find -print0`, whose names may hold line
    breaks). A byte-order mark is honoured (Notepad's UTF-8 one made the first path a name no file has;
    PowerShell's `>` writes UTF-16, whose NUL bytes ended the whole run). A path may hold any bytes a file
    system allows: in UTF-8 lists they stay surrogate-escaped, as in argv."""
    wide = next((codec for mark, codec in _WIDE_MARKS if data.startswith(mark)), None)
    text = data.decode(wide) if wide else data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")
    return text.split("\0") if "\0" in text else text.splitlines()


def _require_report_file(path: Path | None) -> None:
    """`--json FILE` is checked before the work, so that the work is not lost to a misspelt folder."""
    if path is not None and path.is_dir():
        raise UsageError(f"--json {path} is a folder: give the name of the JSON file to write")


def _write_report(path: Path | None, payload: object) -> None:
    from pipeline.write import write_json_atomic

    if path is None:
        return
    try:
        write_json_atomic(path, payload)
    except OSError as error:  # a folder that is not there or not writable, a full disk
        raise UsageError(f"--json {path} cannot be written: {error.strerror or error}") from error


def _require_output_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} cannot be used as the output folder: it is a file; give -o a new folder or the "
                         "folder of an earlier run")


def _run(args: argparse.Namespace) -> int:
    from pipeline.output_lock import OutputFolderError
    from pipeline.runner import BatchOptions, run
    from pipeline.sources import JsonlFields

    if args.force and not args.resume:
        raise UsageError("--force only goes with --resume (a run without --resume processes every input anyway)")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    # Inputs named here must exist; a file that a folder or the --from list holds is read, and is a reject
    # when it cannot be.
    _require_existing(args.inputs, "input")
    inputs = list(args.inputs)
    if args.inputs_from:
        try:
            listed = _input_list(args.inputs_from.read_bytes())
        except OSError as error:
            raise UsageError(f"cannot read --from {args.inputs_from}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise UsageError(f"--from {args.inputs_from}: the list does not match its byte-order mark") from error
        inputs += [line.strip() for line in listed if line.strip()]
    if not inputs:
        raise UsageError("no inputs (give INPUT... or --from FILE)")
    _require_output_folder(args.output)
    config = _page_config(args)
    options = BatchOptions(
        format=args.format,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume and not args.force,
        shard_size=args.shard_size,
        fields=JsonlFields(url=args.jsonl_url, html=args.jsonl_html, text=args.jsonl_text),
        inputs_from=str(args.inputs_from) if args.inputs_from else None,
    )
    try:
        with _stop_on_signals():
            # A scheduler's workers are its own; the pool and the LocalCluster are processes of this machine.
            workers = args.workers if args.scheduler else _machine_workers(args.workers, "run")
            summary = run(inputs, args.output, workers=workers, config=config, on_progress=_progress_bar(),
                          options=options)
    except OutputFolderError as error:
        raise UsageError(str(error)) from error
    except _Stopped as stop:
        print(f"\nglossary-pipeline: the run was stopped ({stop.name}); the shards it finished are kept: "
              f"`glossary-pipeline run` with the same inputs, `-o {args.output}` and `--resume` continues it",
              file=sys.stderr)
        return 128 + stop.signum
    except (OSError, ValueError, RuntimeError) as error:  # RuntimeError: a worker process died (BrokenProcessPool)
        print(f"glossary-pipeline: the run failed: {error}; `run --resume` continues it", file=sys.stderr)
        return EXIT_FAILED
    if summary.excluded_files:
        print(f"glossary-pipeline run: the output folder {args.output} is inside an input folder; its own "
              f"{len(summary.excluded_files)} files were left out of the inputs (run.json: excluded_files)",
              file=sys.stderr)
    print(f"{summary.line()}; wrote {', '.join(summary.outputs)} and run.json in {args.output}")
    return EXIT_OK


class _Stopped(BaseException):
    """SIGTERM or Ctrl-C during a run: raised in the main thread, so the run unwinds (workers stopped,
    nothing half-written under a final name) and says how to resume."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _progress_bar() -> Callable[[int], None] | None:
    """A tqdm bar (inputs done; their number is known only at the end) on an interactive terminal;
    nothing when output goes to a file or CI."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(unit="page", file=sys.stderr, leave=False)

    def update(done: int) -> None:
        bar.update(done - bar.n)

    return update


def _schema(args: argparse.Namespace) -> int:
    from pipeline.model import json_schemas

    name = "reject.schema.json" if args.reject else "record.schema.json"
    print(json.dumps(json_schemas()[name], indent=2))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from pipeline.validate import validate_file

    _require_existing([args.file], "file")
    if args.file.is_dir():
        raise UsageError(f"{args.file} is a folder: give a records or rejects file (records.jsonl, rejects.jsonl, "
                         "records-00000.parquet)")
    try:
        checked = validate_file(args.file, all_rejects=args.reject)
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror or error}") from error
    for problem in checked.problems[:50]:
        print(problem, file=sys.stderr)
    if len(checked.problems) > 50:
        print(f"... and {len(checked.problems) - 50} more problems", file=sys.stderr)
    print(checked.line())
    return EXIT_OK if not checked.problems else EXIT_FAILED


def _clean(args: argparse.Namespace) -> int:
    from pipeline.runner import run_clean

    _require_existing(args.inputs, "input")
    _require_output_folder(args.output)
    _require_clean_output_outside_inputs(args.output, args.inputs)
    config = _page_config(args)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{args.output} cannot be used as the output folder: {error.strerror or error}") from error
    try:
        with _stop_on_signals():  # as `run`: unwound, so no temporary file is left in the output folder
            written, rejected = run_clean(args.inputs, args.output, workers=_machine_workers(args.workers, "clean"),
                                          config=config)
    except _Stopped as stop:
        print(f"\nglossary-pipeline clean: stopped ({stop.name}); the texts written so far are whole", file=sys.stderr)
        return 128 + stop.signum
    except OSError as error:  # the output folder filled up or went away while texts were written
        print(f"glossary-pipeline clean: writing {args.output} failed: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{written} pages cleaned, {rejected} rejected; wrote {args.output}")
    return EXIT_OK


def _require_clean_output_outside_inputs(output: Path, inputs: Sequence[str]) -> None:
    """`clean` writes `<name>.txt` files, which are pages by their name: in an input folder (or beside an input
    file) they overwrote a .txt page of the same name and were read as pages by the next clean (7 pages, then 13)."""
    out = os.path.realpath(output)
    for given in inputs:
        walked = os.path.isdir(given)  # a folder's subfolders are walked too; a file's folder is not
        folder = os.path.realpath(given if walked else os.path.dirname(given) or ".")
        if out == folder or (walked and out.startswith(folder.rstrip(os.sep) + os.sep)):
            raise UsageError(f"the output folder {output} is an input's folder or inside one ({given}): its .txt "
                             "files would replace .txt pages and be read as pages next time; give -o a folder outside "
                             "the inputs")


def _tag(args: argparse.Namespace) -> int:
    from pipeline.entities import EntityTagger
    from pipeline.tag_jsonl import tag_lines

    if args.file == "-" and STDIN in args.closed_streams:
        raise UsageError("standard input is closed: give a FILE of JSON lines, or pipe them in")
    try:
        # bytes: a line that is not UTF-8 is that line's error (tag_lines), not the end of the command
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror or error}") from error
    sys.stdout.flush()
    with source:
        for line in tag_lines(source, EntityTagger()):
            # JSON Lines are UTF-8, whatever the terminal's encoding: an escape the text stream would write
            # for a character it cannot encode ("\xe9") is no JSON.
            sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from pipeline.quality.audit import write_audit
    from pipeline.run_files import RunFolderError

    _require_existing([args.run_dir], "run folder")
    try:
        html_path, json_path = write_audit(args.run_dir, max_records=args.max_records, max_rejects=args.max_rejects)
    except RunFolderError as error:
        raise UsageError(str(error)) from error
    print(f"wrote {html_path} and {json_path}")
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.quality.evaluate import evaluate_run
    from pipeline.run_files import RunFolderError

    _require_existing([args.run_dir], "run folder")
    _require_existing([args.gold_dir], "gold folder")
    _require_report_file(args.json)
    try:
        result = evaluate_run(args.run_dir, args.gold_dir)
    except RunFolderError as error:  # GoldFolderError too: a malformed gold file names itself and what is wrong
        raise UsageError(str(error)) from error
    print(result.table(show=args.show))
    _write_report(args.json, result.to_json())
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from pipeline.quality.diff import diff_runs
    from pipeline.run_files import RunFolderError

    _require_existing([args.run_a, args.run_b], "run folder")
    _require_report_file(args.json)
    try:
        result = diff_runs(args.run_a, args.run_b)
    except RunFolderError as error:
        raise UsageError(str(error)) from error
    print(result.report())
    _write_report(args.json, result.to_json())
    return EXIT_FAILED if result.changed else EXIT_OK
