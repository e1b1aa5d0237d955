#!/usr/bin/env python3
"""Runs a .NET Interactive C# notebook without the kernel: its code cells become one C# program (top-level
statements, `using` directives hoisted, `#r` lines replaced by references to this repository's projects), built and
run with `dotnet run`. `display(x)` prints x; `HTML(s)` marks s as HTML. With --write the cells' outputs (text, and
HTML such as inline PNGs) are written back into the notebook, so what is committed is what a real run printed.

Usage: run_notebook.py NOTEBOOK.ipynb [--write] [--workdir DIR] [--config Release]
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

MARK = "\u001e"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECTS = ["src/ResNet.MLNet/ResNet.MLNet.csproj", "src/Samples/ResNet.MLNet.Reports/ResNet.MLNet.Reports.csproj"]

SHIM_FUNCTIONS = r'''
static void display(object? value) => System.Console.WriteLine(value is NotebookHtml h ? "\u001eHTML " + System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(h.Html)) : value?.ToString());
static NotebookHtml HTML(string html) => new NotebookHtml(html);
'''
SHIM_TYPES = "sealed record NotebookHtml(string Html);\n"


def cells(notebook):
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def program(code_cells):
    usings, body = [], []
    for i, cell in enumerate(code_cells):
        body.append(f'System.Console.WriteLine("{MARK}CELL {i}");')
        for line in "".join(cell["source"]).splitlines():
            stripped = line.strip()
            if stripped.startswith("#r ") or stripped.startswith("#!"):
                continue
            if re.match(r"^using\s+[A-Za-z_][\w.]*\s*;$", stripped) or re.match(r"^using\s+static\s", stripped):
                usings.append(stripped)
                continue
            body.append(line)
    # Type declarations (one line each in our notebooks) must follow the top-level statements: move them to the end.
    declaration = re.compile(r"^(public |internal )?(sealed )?(class|record) ")
    types = [line for line in body if declaration.match(line.strip())]
    statements = [line for line in body if not declaration.match(line.strip())]
    return "\n".join(dict.fromkeys(usings)) + "\n" + "\n".join(statements) + SHIM_FUNCTIONS + "\n".join(types) + "\n" + SHIM_TYPES


def project(refs, config):
    items = "\n".join(f'    <ProjectReference Include="{os.path.join(ROOT, p)}" />' for p in refs)
    return f'''<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>disable</Nullable>
    <NoWarn>CS8981;CS1998;CS0168;CS0219</NoWarn>
  </PropertyGroup>
  <ItemGroup>
{items}
  </ItemGroup>
</Project>
'''


def outputs(stdout, count):
    per_cell = {i: [] for i in range(count)}
    current = None
    for line in stdout.split("\n"):  # not splitlines(): it splits at the marker (U+001E) too
        if line.startswith(MARK + "CELL "):
            current = int(line[len(MARK) + 5:])
            continue
        if current is not None:
            per_cell[current].append(line)
    result = []
    for i in range(count):
        outs, text = [], []
        for line in per_cell[i]:
            if line.startswith(MARK + "HTML "):
                if text:
                    outs.append({"output_type": "stream", "name": "stdout", "text": [t + "\n" for t in text]}); text = []
                import base64
                html = base64.b64decode(line[len(MARK) + 5:]).decode("utf-8")
                outs.append({"output_type": "display_data", "data": {"text/html": [html]}, "metadata": {}})
            else:
                text.append(line)
        while text and not text[-1]:
            text.pop()
        if text:
            outs.append({"output_type": "stream", "name": "stdout", "text": [t + "\n" for t in text]})
        result.append(outs)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--workdir")
    parser.add_argument("--config", default="Release")
    args = parser.parse_args()
    path = os.path.abspath(args.notebook)
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    code = cells(notebook)
    work = args.workdir or tempfile.mkdtemp(prefix="notebook-")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "Notebook.csproj"), "w") as f:
        f.write(project(PROJECTS, args.config))
    with open(os.path.join(work, "Program.cs"), "w") as f:
        f.write(program(code))
    env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
    # The notebook runs in its own folder (relative paths in cells resolve against the notebook's folder).
    build = subprocess.run(["dotnet", "build", work, "-c", args.config, "-p:BuildProjectReferences=false", "-v", "q", "-nologo"],
                           capture_output=True, text=True, env=env)
    if build.returncode != 0:
        sys.stderr.write(build.stdout + build.stderr)
        sys.exit(f"{path}: the notebook's code does not compile (program in {work})")
    exe = os.path.join(work, "bin", args.config, "net10.0", "Notebook.dll")
    run = subprocess.run(["dotnet", exe], capture_output=True, text=True, env=env, cwd=os.path.dirname(path))
    sys.stdout.write(run.stdout)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        sys.exit(f"{path}: the notebook failed (exit code {run.returncode})")
    if args.write:
        for i, (cell, outs) in enumerate(zip(code, outputs(run.stdout, len(code)))):
            cell["outputs"] = outs
            cell["execution_count"] = i + 1
        with open(path, "w", encoding="utf-8") as f:
            json.dump(notebook, f, indent=1, ensure_ascii=False)
            f.write("\n")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
