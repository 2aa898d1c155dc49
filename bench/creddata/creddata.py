#!/usr/bin/env python3
"""Score trawl on Samsung's CredData labels (development split only).

CredData (github.com/Samsung/CredData) labels lines of files in ~300 public repositories.
Repositories whose CredData id begins with 0-7 form trawl's development split; ids
beginning with 8-f are held out for evaluation: this script never reads their labels and
never fetches or materialises them.

Steps (each a subcommand; stdlib only):
  list        the development-split repositories, with label counts
  fetch       check a directory of clones for each of them; with --clone, `git clone`
              the missing ones (needs network)
  materialise extract every labelled file at the pinned commit into WORK/data, laid out
              like CredData's data/ (data/<meta>/<scope>/<file id><ext>), and copy the
              development meta files to WORK/meta
  score       run `trawl dir WORK/data` (or read a report) and score per line

CREDDATA is a CredData checkout or its git directory (read with `git show HEAD:...`).
Outputs go to WORK, which must lie outside any repository you commit: the data holds
real credentials.
"""

import argparse
import bisect
import binascii
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

DEV_PREFIXES = tuple("01234567")
LABEL_TRUE = "T"


# --- CredData access ---------------------------------------------------------------------

class CredData:
    """Reads CredData files from a checkout or a (bare) git directory."""

    def __init__(self, location):
        self.location = location
        self.checkout = os.path.isfile(os.path.join(location, "snapshot.json"))

    def read(self, path):
        if self.checkout:
            with open(os.path.join(self.location, path), encoding="utf-8") as f:
                return f.read()
        return subprocess.check_output(
            ["git", f"--git-dir={self.location}", "show", f"HEAD:{path}"]).decode("utf-8")

    def revision(self):
        git_dir = self.location
        if self.checkout:
            git_dir = os.path.join(self.location, ".git")
        try:
            return subprocess.check_output(["git", f"--git-dir={git_dir}", "rev-parse", "HEAD"],
                                           stderr=subprocess.DEVNULL).decode().strip()
        except (subprocess.CalledProcessError, FileNotFoundError):
            return "unknown"

    def dev_repositories(self):
        """[(id, url, meta name)] for ids beginning with 0-7, in snapshot order."""
        snapshot = json.loads(self.read("snapshot.json"))
        result = []
        for repo_id, url in snapshot.items():
            if not repo_id.startswith(DEV_PREFIXES):
                continue
            # CredData names a repository's meta file after the CRC32 of its binary id.
            meta_name = f"{binascii.crc32(binascii.unhexlify(repo_id)):08x}"
            result.append((repo_id, url, meta_name))
        return result

    def meta_rows(self, repo_id, meta_name):
        if not repo_id.startswith(DEV_PREFIXES):
            raise ValueError(f"{repo_id} is held out: its labels are not read")
        try:
            text = self.read(f"meta/{meta_name}.csv")
        except (subprocess.CalledProcessError, FileNotFoundError):
            return []
        return list(csv.DictReader(io.StringIO(text)))


def owner_name(url):
    parts = url.rstrip("/").removesuffix(".git").split("/")
    return parts[-2], parts[-1]


def find_clone(clones, url):
    """The git directory of a clone of url under clones, or None.

    Accepted layouts: owner+name/repo (bare or with .git), owner+name(.git), owner/name(.git).
    """
    owner, name = owner_name(url)
    for candidate in (f"{owner}+{name}/repo", f"{owner}+{name}", f"{owner}+{name}.git",
                      f"{owner}/{name}", f"{owner}/{name}.git"):
        base = os.path.join(clones, candidate)
        for git_dir in (os.path.join(base, ".git"), base):
            if os.path.isfile(os.path.join(git_dir, "HEAD")) and \
                    os.path.isdir(os.path.join(git_dir, "objects")):
                return git_dir
    return None


def has_commit(git_dir, sha):
    return subprocess.call(["git", f"--git-dir={git_dir}", "cat-file", "-e", f"{sha}^{{commit}}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


# --- list and fetch ----------------------------------------------------------------------

def cmd_list(args):
    cred = CredData(args.creddata)
    rows = []
    for repo_id, url, meta_name in cred.dev_repositories():
        meta = cred.meta_rows(repo_id, meta_name)
        positives = sum(1 for row in meta if row["GroundTruth"] == LABEL_TRUE)
        files = len({row["FileID"] for row in meta})
        rows.append((positives, len(meta), files, repo_id, url, meta_name))
    rows.sort(key=lambda r: (-r[0], r[4]))
    print("positives\tlabels\tfiles\tid\turl\tmeta")
    for row in rows:
        print("\t".join(str(x) for x in row))
    return 0


def cmd_fetch(args):
    cred = CredData(args.creddata)
    os.makedirs(args.clones, exist_ok=True)
    present = cloned = failed = 0
    for repo_id, url, meta_name in cred.dev_repositories():
        if args.labelled_only and not any(
                row["GroundTruth"] == LABEL_TRUE for row in cred.meta_rows(repo_id, meta_name)):
            continue
        if find_clone(args.clones, url):
            present += 1
            continue
        if not args.clone:
            print(f"missing\t{url}")
            failed += 1
            continue
        owner, name = owner_name(url)
        target = os.path.join(args.clones, f"{owner}+{name}.git")
        print(f"cloning {url}", file=sys.stderr)
        if subprocess.call(["git", "clone", "--bare", "--quiet", url, target]) == 0:
            cloned += 1
        else:
            print(f"failed\t{url}")
            failed += 1
    print(f"present {present}, cloned {cloned}, missing or failed {failed}", file=sys.stderr)
    return 0


# --- materialise -------------------------------------------------------------------------

def list_blobs(git_dir, sha):
    """{path: blob id} of regular files in the tree of commit sha."""
    out = subprocess.check_output(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "--full-tree", sha])
    blobs = {}
    for entry in out.split(b"\0"):
        if not entry:
            continue
        info, path = entry.split(b"\t", 1)
        mode, kind, oid = info.split(b" ")
        if kind == b"blob" and mode in (b"100644", b"100755"):
            blobs[path.decode("utf-8", "surrogateescape")] = oid.decode()
    return blobs


def read_blobs(git_dir, oids):
    """{oid: bytes} through one `git cat-file --batch`."""
    proc = subprocess.Popen(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    result = {}
    try:
        for oid in oids:
            proc.stdin.write(f"{oid}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3:
                continue
            size = int(header[2])
            result[oid] = proc.stdout.read(size)
            proc.stdout.read(1)
    finally:
        proc.stdin.close()
        proc.wait()
    return result


def cmd_materialise(args):
    cred = CredData(args.creddata)
    work = os.path.abspath(args.work)
    if os.path.exists(os.path.join(work, "data")):
        sys.exit(f"{work}/data exists: remove it or choose another work directory")
    os.makedirs(os.path.join(work, "meta"), exist_ok=True)
    files_out = []
    summary = {"creddata_revision": cred.revision(), "repositories": [], "no_clone": [],
               "commit_missing": [], "files_missing": [], "no_labels": []}
    for repo_id, url, meta_name in cred.dev_repositories():
        meta = cred.meta_rows(repo_id, meta_name)
        if not meta:
            summary["no_labels"].append(url)
            continue
        git_dir = find_clone(args.clones, url)
        if git_dir is None:
            summary["no_clone"].append(url)
            continue
        sha = repo_id[:40]
        if not has_commit(git_dir, sha):
            summary["commit_missing"].append(url)
            continue
        wanted = {}  # file id -> meta FilePath
        for row in meta:
            wanted.setdefault(row["FileID"], row["FilePath"])
        found = {}  # file id -> (original path, blob id)
        for path, oid in list_blobs(git_dir, sha).items():
            if "/.git/" in f"/{path}" or path.endswith(".xml"):
                continue  # CredData leaves these out too
            file_id = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            if file_id in wanted:
                found[file_id] = (path, oid)
        missing = sorted(set(wanted) - set(found))
        if missing:
            # Like CredData's own download, a repository whose labelled files cannot all be
            # found is left out whole, so its labels do not count as misses.
            summary["files_missing"].append(f"{url} ({len(missing)} of {len(wanted)} files)")
            continue
        contents = read_blobs(git_dir, [oid for _, oid in found.values()])
        unreadable = sorted(file_id for file_id, (_, oid) in found.items() if oid not in contents)
        if unreadable:
            # A clone may list a blob it does not hold (a partial or size-limited mirror):
            # left out whole as above, never written empty.
            summary["files_missing"].append(f"{url} ({len(unreadable)} of {len(wanted)} files unreadable)")
            continue
        for file_id, (path, oid) in found.items():
            target = os.path.join(work, wanted[file_id])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(contents[oid])
            files_out.append((wanted[file_id], url, sha, path))
        with open(os.path.join(work, "meta", f"{meta_name}.csv"), "w", newline="",
                  encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(meta[0].keys()))
            writer.writeheader()
            writer.writerows(meta)
        summary["repositories"].append(url)
    with open(os.path.join(work, "files.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["FilePath", "Repository", "Commit", "OriginalPath"])
        writer.writerows(sorted(files_out))
    with open(os.path.join(work, "materialise.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"materialised {len(summary['repositories'])} repositories, {len(files_out)} files; "
          f"skipped: no clone {len(summary['no_clone'])}, pinned commit missing "
          f"{len(summary['commit_missing'])}, labelled files missing "
          f"{len(summary['files_missing'])}, no labels {len(summary['no_labels'])}",
          file=sys.stderr)
    return 0


# --- score -------------------------------------------------------------------------------

TEST_WORDS = ("test", "mock", "fixture", "spec")


def is_test_path(file_path):
    """CredData's FilePath is data/<meta>/<scope>/<id><ext>, where the scope lists the
    path words of the original path (its word_in_path.json). A path is a test path when
    its scope holds test, mock, fixture or spec."""
    parts = file_path.split("/")
    scope = "/".join(parts[2:-1])
    return any(word in scope for word in TEST_WORDS)


def load_labels(work):
    rows = []
    meta_dir = os.path.join(work, "meta")
    for name in sorted(os.listdir(meta_dir)):
        if name.endswith(".csv"):
            with open(os.path.join(meta_dir, name), encoding="utf-8") as f:
                rows.extend(csv.DictReader(f))
    return rows


def run_trawl(trawl, work, extra):
    fd, report = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [trawl, "dir", os.path.join(work, "data"), "--no-repo-config", "-f", "json",
           "--redact", "-r", report] + extra
    print("running: " + " ".join(cmd), file=sys.stderr)
    rc = subprocess.call(cmd)
    if rc not in (0, 1):
        sys.exit(f"trawl exited with {rc}")
    with open(report, encoding="utf-8") as f:
        data = json.load(f)
    os.unlink(report)
    return data


def unredacted_path(path, files):
    """--redact replaces a secret wherever it occurs, paths included: a short
    password such as `client` or `docker` turns `conf/client/x.key` into
    `conf/REDACTED/x.key`. The one materialised file the redacted path fits."""
    if "REDACTED" not in path:
        return path
    pattern = re.compile("^" + ".+".join(re.escape(part) for part in path.split("REDACTED")) + "$")
    fits = [f for f in files if pattern.match(f)]
    return fits[0] if len(fits) == 1 else path


class CredDataLines:
    """CredData numbers lines as Python's universal newlines do: a lone carriage
    return ends a line too. trawl counts line feeds. For the few files with a lone
    CR, map trawl's (line, column) to CredData's line; elsewhere the two agree."""

    def __init__(self, work):
        self.work = work
        self.starts = {}

    def line_starts(self, path):
        if path not in self.starts:
            try:
                with open(os.path.join(self.work, path), "rb") as f:
                    data = f.read()
            except OSError:
                data = b""
            if re.search(rb"\r(?!\n)", data) is None:
                self.starts[path] = None
            else:
                # Byte offset of each trawl line's start, and of each CredData line break.
                lf = [0] + [m.end() for m in re.finditer(rb"\n", data)]
                breaks = [m.end() for m in re.finditer(rb"\r\n|\r|\n", data)]
                self.starts[path] = (lf, breaks)
        return self.starts[path]

    def __call__(self, path, line, column):
        starts = self.line_starts(path)
        if starts is None or line < 1 or line > len(starts[0]):
            return line
        lf, breaks = starts
        offset = lf[line - 1] + max(column - 1, 0)
        return bisect.bisect_right(breaks, offset) + 1


def reported_lines(report, work):
    """{(FilePath, line): {rule id}} of findings, FilePath as CredData writes it
    (data/<meta>/...); trawl reports paths relative to the scanned data directory."""
    lines = defaultdict(set)
    data = os.path.join(work, "data")
    files = [os.path.relpath(os.path.join(root, name), work).replace(os.sep, "/")
             for root, _, names in os.walk(data) for name in names]
    creddata_line = CredDataLines(work)
    for finding in report.get("findings", []):
        path = unredacted_path("data/" + finding["path"].replace("\\", "/"), files)
        first = creddata_line(path, finding["line"], finding.get("column", 1))
        last = creddata_line(path, finding.get("end_line", finding["line"]), finding.get("end_column", 1))
        for line in range(first, max(first, last) + 1):
            lines[(path, line)].add(finding["rule_id"])
    return lines


class Counts:
    def __init__(self):
        self.tp = self.fn = self.fp = self.tn = 0

    def add(self, positive, reported):
        if positive:
            if reported:
                self.tp += 1
            else:
                self.fn += 1
        elif reported:
            self.fp += 1
        else:
            self.tn += 1

    @staticmethod
    def ratio(num, den):
        return num / den if den else 0.0

    def precision(self, extra_fp=0):
        return self.ratio(self.tp, self.tp + self.fp + extra_fp)

    def recall(self):
        return self.ratio(self.tp, self.tp + self.fn)

    def f1(self, extra_fp=0):
        p, r = self.precision(extra_fp), self.recall()
        return self.ratio(2 * p * r, p + r)


def table_row(name, c):
    return (f"| {name} | {c.tp + c.fn} | {c.fp + c.tn} | {c.tp} | {c.fp} | {c.fn} | "
            f"{c.precision():.3f} | {c.recall():.3f} | {c.f1():.3f} |")


TABLE_HEAD = ("| {} | positives | negatives | TP | FP | FN | precision | recall | F1 |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|")


def cmd_score(args):
    work = os.path.abspath(args.work)
    if args.report:
        with open(args.report, encoding="utf-8") as f:
            report = json.load(f)
    else:
        report = run_trawl(args.trawl, work, args.trawl_arg or [])
    lines = reported_lines(report, work)
    labels = load_labels(work)

    overall = Counts()
    by_category = defaultdict(Counts)
    by_scope = defaultdict(Counts)
    labelled_lines = set()
    misses = []
    false_hits = []
    for row in labels:
        start, end = int(row["LineStart"]), int(row["LineEnd"])
        path = row["FilePath"]
        for line in range(start, end + 1):
            labelled_lines.add((path, line))
        # A label is reported when a finding touches its first line (CredData's own
        # benchmark keys a label by path and line span; a multi-line label such as a PEM
        # key counts once, on its first line).
        reported = (path, start) in lines
        positive = row["GroundTruth"] == LABEL_TRUE
        overall.add(positive, reported)
        for category in row["Category"].split(":"):
            by_category[category].add(positive, reported)
        by_scope["test" if is_test_path(path) else "non-test"].add(positive, reported)
        if positive and not reported:
            misses.append(row)
        elif reported and not positive:
            false_hits.append(row)
    unlabelled = sorted(set(lines) - labelled_lines)
    by_rule = defaultdict(lambda: [0, 0, 0])  # trawl rule -> [TP, FP, unlabelled]
    for row in labels:
        key = (row["FilePath"], int(row["LineStart"]))
        for rule in lines.get(key, ()):
            by_rule[rule][0 if row["GroundTruth"] == LABEL_TRUE else 1] += 1
    for key in unlabelled:
        for rule in lines[key]:
            by_rule[rule][2] += 1

    materialised = {}
    summary_path = os.path.join(work, "materialise.json")
    if os.path.exists(summary_path):
        with open(summary_path, encoding="utf-8") as f:
            materialised = json.load(f)

    out = []
    out.append(f"Repositories: {len(materialised.get('repositories', []))} (development split); "
               f"labels: {len(labels)} ({overall.tp + overall.fn} positive); "
               f"reported lines: {len(lines)}, of them unlabelled: {len(unlabelled)}.")
    out.append("")
    out.append(TABLE_HEAD.format("scope"))
    out.append(table_row("**all**", overall))
    for scope in ("non-test", "test"):
        out.append(table_row(scope, by_scope[scope]))
    out.append("")
    strict = overall.precision(len(unlabelled))
    out.append(f"Counting the {len(unlabelled)} unlabelled reported lines as false positives too: "
               f"precision {strict:.3f}, F1 {overall.f1(len(unlabelled)):.3f}.")
    out.append("")
    out.append(TABLE_HEAD.format("category"))
    for category in sorted(by_category, key=lambda k: -(by_category[k].tp + by_category[k].fn)):
        out.append(table_row(category, by_category[category]))
    out.append("")
    out.append("| trawl rule | TP | FP | unlabelled |\n|---|---:|---:|---:|")
    for rule, (tp, fp, other) in sorted(by_rule.items(), key=lambda kv: (-kv[1][1], kv[0])):
        out.append(f"| {rule} | {tp} | {fp} | {other} |")
    print("\n".join(out))

    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            f.write("kind\tFilePath\tLineStart\tLineEnd\tCategory\ttrawl rules\n")
            for row in misses:
                f.write(f"FN\t{row['FilePath']}\t{row['LineStart']}\t{row['LineEnd']}\t"
                        f"{row['Category']}\n")
            for row in false_hits:
                rules = ",".join(sorted(lines[(row["FilePath"], int(row["LineStart"]))]))
                f.write(f"FP\t{row['FilePath']}\t{row['LineStart']}\t{row['LineEnd']}\t"
                        f"{row['Category']}\t{rules}\n")
            for path, line in unlabelled:
                rules = ",".join(sorted(lines[(path, line)]))
                f.write(f"UNLABELLED\t{path}\t{line}\t{line}\t\t{rules}\n")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="development-split repositories with label counts")
    p.add_argument("--creddata", required=True, help="CredData checkout or git directory")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("fetch", help="check (or git clone) the development-split repositories")
    p.add_argument("--creddata", required=True)
    p.add_argument("--clones", required=True, help="directory of clones")
    p.add_argument("--clone", action="store_true", help="git clone the missing ones (network)")
    p.add_argument("--labelled-only", action="store_true",
                   help="only repositories with at least one positive label")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("materialise", help="extract labelled files at their pinned commits")
    p.add_argument("--creddata", required=True)
    p.add_argument("--clones", required=True)
    p.add_argument("--work", required=True, help="output directory (outside the repository)")
    p.set_defaults(func=cmd_materialise)

    p = sub.add_parser("score", help="run trawl on WORK/data and score per line")
    p.add_argument("--work", required=True)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--trawl", help="trawl binary")
    group.add_argument("--report", help="an existing trawl json report of `trawl dir WORK/data`")
    p.add_argument("--trawl-arg", action="append", help="extra argument for trawl (repeatable)")
    p.add_argument("--details", help="write every FN, FP and unlabelled line (paths only) here")
    p.set_defaults(func=cmd_score)

    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
