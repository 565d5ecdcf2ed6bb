# bash completion for scanqr                               -*- shell-script -*-
# Installed as share/bash-completion/completions/scanqr, loaded on first use.
# Works without the bash-completion package too: `source` this file.

_scanqr() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands='ensure state logout reboot help'
    local options='--instance --token-file --api-url -o --out --keep --terminal
        --compact --invert --json -q --quiet --timeout --connect-timeout
        --proxy --phone --ca-file --on-qr --on-code --on-done -h --help
        -V --version'
    # bash splits --terminal=never at the '=' (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    COMPREPLY=()
    case $prev in
        --terminal)
            mapfile -t COMPREPLY < <(compgen -W 'auto always never' -- "$cur")
            return
            ;;
        -o | --out | --token-file | --ca-file)
            if declare -F _filedir >/dev/null; then
                _filedir
            else
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi
            return
            ;;
        --instance | --api-url | --timeout | --connect-timeout | --proxy | --phone | --on-qr | --on-code | --on-done)
            return # a value only the user knows
            ;;
    esac
    local word
    for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
        case $word in
            ensure | state | logout | reboot | help) commands= ;;
        esac
    done
    if [[ $cur == -* ]]; then
        commands=
    fi
    # shellcheck disable=SC2086 # word lists
    mapfile -t COMPREPLY < <(compgen -W "$commands $options" -- "$cur")
}
complete -F _scanqr scanqr
