"""Shell completion for bash, zsh and fish: the scripts llmcost prints and installs, and what the
shell gets back when it asks for the words that complete a command line (commands, options, model
ids and aliases, Chinese names too, and providers)."""

from __future__ import annotations

import pytest
from conftest import Result
from typer.testing import CliRunner

from llmcost.cli import app
from llmcost.completion import model_names, provider_names


def test_model_names_complete_ids_aliases_and_family_names(book):
    assert model_names(book, "alpha-") == [
        ("alpha-lite", "Alpha Lite (alpha)"),
        ("alpha-pro", "Alpha Pro (alpha)"),
        ("alpha-free", "Alpha Free (alpha)"),
        ("alpha-tiered", "Alpha Tiered (alpha)"),
        ("alpha-grad", "Alpha Graduated (alpha)"),
    ]
    assert model_names(book, "阿") == [("阿尔法-lite", "alpha-lite (alpha)"), ("阿尔法", "alpha-pro (alpha)")]
    assert model_names(book, "B4") == [("b4o", "beta-4o (beta)")]
    assert model_names(book, "nothing") == []


def test_provider_names(book):
    assert provider_names(book, "") == [("alpha", "5 models"), ("beta", "1 models")]
    assert provider_names(book, "b") == [("beta", "1 models")]


def llmcost(*args: str, env: dict[str, str] | None = None) -> Result:
    """The CLI as the shell runs it: the program is called llmcost (CliRunner would call it "root")."""
    r = CliRunner().invoke(app, list(args), env=env, prog_name="llmcost", catch_exceptions=False)
    return Result(r.exit_code, r.stdout, r.stderr)


def complete(monkeypatch, shell: str, line: str) -> str:
    """What llmcost answers when ``shell``'s completion script asks it to complete ``line``."""
    env = {"_LLMCOST_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split(" ")
        env.update(COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    r = llmcost(env=env)
    assert r.code == 0, r.err
    return r.out


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("llmcost est", ["estimate"]),
        ("llmcost prices st", ["status"]),
        ("llmcost compare --base", ["--baseline-model"]),
        ("llmcost estimate -m 阿尔", ["阿尔法-lite", "阿尔法"]),
        ("llmcost compare --baseline-model b", ["beta-4o", "b4o"]),
        ("llmcost estimate --provider a", ["alpha"]),
        ("llmcost history alpha-p", ["alpha-pro"]),
        ("llmcost count -m lit", ["lite"]),
    ],
)
def test_bash_completes_commands_options_models_and_providers(monkeypatch, line, words):
    assert complete(monkeypatch, "bash", line).splitlines() == words


def test_zsh_and_fish_show_what_each_word_is(monkeypatch):
    assert complete(monkeypatch, "zsh", "llmcost estimate -m alpha-l") == (
        '_arguments \'*: :(("alpha-lite":"Alpha Lite (alpha)"))\'\n'
    )
    assert complete(monkeypatch, "fish", "llmcost estimate -p b") == "beta\t1 models\n"


def test_a_broken_price_file_completes_nothing_and_prints_no_error(monkeypatch, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider: [", encoding="utf-8")
    assert complete(monkeypatch, "bash", f"llmcost estimate --prices {bad} -m alpha").split() == []


@pytest.mark.parametrize(
    ("shell", "needle"),
    [
        ("bash", "complete -o default -F _llmcost_completion llmcost"),
        ("zsh", "compdef _llmcost_completion llmcost"),
        ("fish", "complete --command llmcost --no-files --arguments"),
    ],
)
def test_show_completion_prints_the_script_for_each_shell(monkeypatch, shell, needle):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")  # then the shell is named
    r = llmcost("--show-completion", shell)
    assert r.code == 0 and needle in r.out and f"_LLMCOST_COMPLETE=complete_{shell}" in r.out


def test_install_completion_writes_the_script_where_bash_reads_it(monkeypatch, tmp_path):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    r = llmcost("--install-completion", "bash")
    assert r.code == 0, r.err
    script = tmp_path / ".bash_completions" / "llmcost.sh"
    assert "_LLMCOST_COMPLETE=complete_bash" in script.read_text(encoding="utf-8")
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
