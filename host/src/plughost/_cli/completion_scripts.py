"""The shells' completion scripts that ``plughost completion SHELL`` prints.

Each one asks ``plughost __complete SHELL WORD... CURRENT`` at every TAB
(``completion`` answers) and offers what it prints, or the shell's own file
completion for the single line ``:files``. They are kept apart from the
answers so that a TAB never loads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .output import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from .output import Output

__all__ = ["completion_command", "script"]

_BASH = """\
# bash completion for plughost, from `plughost completion bash`.
# Load it from ~/.bashrc with:  eval "$(plughost completion bash)"
_plughost_complete() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        if [[ $line == :files ]]; then
            # A file name: let readline complete it.
            compopt -o default 2>/dev/null
            COMPREPLY=()
            return 0
        fi
        COMPREPLY+=("$line")
    done < <(command plughost __complete bash "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -F _plughost_complete plughost
"""

_ZSH = """\
#compdef plughost
# zsh completion for plughost, from `plughost completion zsh`. Save it as
# _plughost in a folder of $fpath before compinit runs, or load it after
# compinit from ~/.zshrc with:  eval "$(plughost completion zsh)"
_plughost() {
    local reply
    local -a candidates
    reply="$(command plughost __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)"
    candidates=("${(@f)reply}")
    candidates=("${(@)candidates:#}")
    (( ${#candidates} )) || return 1
    if [[ ${candidates[1]} == :files ]]; then
        _files
    else
        compadd -- "${candidates[@]}"
    fi
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _plughost "$@"
else
    compdef _plughost plughost
fi
"""

_FISH = """\
# fish completion for plughost, from `plughost completion fish`. Save it as
# ~/.config/fish/completions/plughost.fish, or load it with:
#   plughost completion fish | source
function __plughost_complete
    set -l words (commandline -xpc 2>/dev/null; or commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l candidates (command plughost __complete fish $words "$current" 2>/dev/null)
    set -q candidates[1]; or return
    if test "$candidates[1]" = :files
        __fish_complete_path "$current"
    else
        printf '%s\\n' $candidates
    end
end
complete -c plughost -f -a '(__plughost_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    return _SCRIPTS[shell]


def completion_command(args: argparse.Namespace, out: Output) -> int:
    """``plughost completion SHELL``: print the shell's script."""
    out.write(script(args.shell).rstrip("\n"))
    return EXIT_OK
