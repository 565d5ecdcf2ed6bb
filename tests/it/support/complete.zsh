# Real zsh completion, for tests: prints each match zsh offers for a line.
# zsh -f complete.zsh FPATH_DIR 'scanqr --terminal '
# It starts an interactive zsh on a pseudo-terminal (zpty), loads compinit
# with FPATH_DIR first, types the line and a Tab, and captures compadd's matches.
if [[ $1 == --inside ]]; then
    # Sourced by the interactive zsh: completion on, and compadd prints matches.
    PROMPT=
    fpath=($2 $fpath)
    autoload -U compinit
    compinit -u -D
    bindkey '^I' complete-word
    marker() { print -r -- '<<scanqr-complete>>' }
    compprefuncs=(marker)
    comppostfuncs=(marker exit)
    zstyle ':completion:*' list-grouped false
    compadd() {
        # Calls that only ask for lists (-O, -A, -D) are zsh's own bookkeeping.
        if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
            builtin compadd "$@"
            return
        fi
        local -a hits
        builtin compadd -A hits "$@"
        local hit
        for hit in $hits; do print -r -- "match: $hit"; done
    }
    print -r -- ready
    return
fi
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "source ${(q)0:A} --inside ${(q)1}"
local line
repeat 50; do
    zpty -r z line || exit 2
    [[ $line == ready* ]] && break
done
zpty -w -n z "$2"$'\t'
integer markers=0
while zpty -r z line; do
    [[ $line == *'<<scanqr-complete>>'* ]] && (( ++markers == 2 )) && break
    [[ $line == *'match: '* ]] && print -r -- "${${line#*match: }%$'\r'}"
done
zpty -d z
