# scanqr: `make demo` shows a whole session, `make test` runs every check.
CARGO ?= cargo
PREFIX ?= /usr/local
# Without OpenSSL headers, build OpenSSL from source instead of failing.
VENDORED := $(shell pkg-config --exists openssl 2>/dev/null || echo --features scanqr/vendored)
FUZZ_SECONDS ?= 60

# Where `make install` puts things, under $(DESTDIR) when staging.
bindir = $(PREFIX)/bin
datadir = $(PREFIX)/share
man1dir = $(datadir)/man/man1
bashdir = $(datadir)/bash-completion/completions
zshdir = $(datadir)/zsh/site-functions
fishdir = $(datadir)/fish/vendor_completions.d
unitdir = $(PREFIX)/lib/systemd/system
hooksdir = $(datadir)/scanqr/hooks
exampledir = $(datadir)/scanqr/examples
UNITS := dist/systemd/scanqr@.service dist/systemd/scanqr@.timer
HOOKS := dist/hooks/telegram dist/hooks/mail
EXAMPLES := dist/cron/scanqr.cron dist/systemd/example.env dist/systemd/scanqr@.service.d/telegram.conf
# The shipped files name /usr/bin/scanqr (systemd) or /usr/local/bin/scanqr
# (cron), and the hooks under /usr/share or /usr/local/share: installed, they
# name where this install puts them.
RELOCATE = sed -e 's|/usr/\(local/\)\{0,1\}bin/scanqr|$(bindir)/scanqr|g' \
	-e 's|/usr/\(local/\)\{0,1\}share/scanqr/|$(datadir)/scanqr/|g'
TARGET := $(or $(CARGO_TARGET_DIR),target)
BIN := $(TARGET)/release/scanqr
INSTALLED = $(bindir)/scanqr $(man1dir)/scanqr.1 $(bashdir)/scanqr $(zshdir)/_scanqr \
	$(fishdir)/scanqr.fish $(addprefix $(unitdir)/,$(notdir $(UNITS))) \
	$(addprefix $(hooksdir)/,$(notdir $(HOOKS))) $(addprefix $(exampledir)/,$(notdir $(EXAMPLES)))

.PHONY: build test install uninstall deb demo bench fuzz fuzz-long soak valgrind tools prereq clean

build: prereq
	$(CARGO) build --release --workspace $(VENDORED)
	@touch -c $(BIN)

# fmt check, clippy with warnings denied, the docs, the fuzz targets (built,
# not run), every test of the workspace. Most tests wait on sockets and
# timers, not the CPU, hence more threads than cores.
test: prereq tools $(BIN)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets $(VENDORED) -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --quiet $(VENDORED)
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) check --quiet --bins $(VENDORED)
	$(CARGO) test --workspace $(VENDORED) -- --test-threads=8

# Name the missing piece before a build that cannot start.
prereq:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "make: $(CARGO) not found: install Rust (https://rustup.rs), then run make again" >&2; exit 1; }
	@command -v cc >/dev/null 2>&1 || { echo "make: no C compiler (cc): install one (Debian/Ubuntu: apt-get install build-essential)" >&2; exit 1; }
	@if ! pkg-config --exists openssl 2>/dev/null && ! command -v perl >/dev/null 2>&1; then \
		echo "make: TLS needs OpenSSL: install its headers and pkg-config (Debian/Ubuntu: apt-get install libssl-dev pkg-config; Fedora: dnf install openssl-devel pkgconf), or perl to build OpenSSL from source" >&2; exit 1; \
	fi

# The binary is rebuilt only when a source is newer, so `sudo make install`
# after `make` does not run cargo as root.
$(BIN): Cargo.toml Cargo.lock build.rs $(shell find src -type f)
	$(CARGO) build --release --locked -p scanqr $(VENDORED)
	@touch $@

install: $(BIN)
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) $(DESTDIR)$(bashdir) $(DESTDIR)$(zshdir) $(DESTDIR)$(fishdir)
	install -m 755 $(BIN) $(DESTDIR)$(bindir)/scanqr
	install -m 644 doc/scanqr.1 $(DESTDIR)$(man1dir)/scanqr.1
	install -m 644 dist/completions/scanqr.bash $(DESTDIR)$(bashdir)/scanqr
	install -m 644 dist/completions/_scanqr $(DESTDIR)$(zshdir)/_scanqr
	install -m 644 dist/completions/scanqr.fish $(DESTDIR)$(fishdir)/scanqr.fish
	install -d $(DESTDIR)$(unitdir) $(DESTDIR)$(hooksdir) $(DESTDIR)$(exampledir)
	for f in $(UNITS); do $(RELOCATE) $$f >$(DESTDIR)$(unitdir)/$${f##*/} && chmod 644 $(DESTDIR)$(unitdir)/$${f##*/} || exit 1; done
	for f in $(HOOKS); do $(RELOCATE) $$f >$(DESTDIR)$(hooksdir)/$${f##*/} && chmod 755 $(DESTDIR)$(hooksdir)/$${f##*/} || exit 1; done
	for f in $(EXAMPLES); do $(RELOCATE) $$f >$(DESTDIR)$(exampledir)/$${f##*/} && chmod 644 $(DESTDIR)$(exampledir)/$${f##*/} || exit 1; done

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# A .deb built with dpkg-deb alone, into $(DEBDIR).
DEBDIR ?= $(TARGET)/debian
deb: $(BIN)
	dist/deb/build.sh $(BIN) $(DEBDIR)

# Against the built-in emulator, or the real service when ID_INSTANCE and
# API_TOKEN_INSTANCE are set. Builds only the two programs it runs.
demo: prereq
	@[ -x target/release/scanqr ] || echo "demo: building scanqr and the emulator; the first build takes a minute or two..."
	@$(CARGO) build --release --quiet -p scanqr -p scanqr-emulator $(VENDORED)
	@if [ -n "$$ID_INSTANCE" ] && [ -n "$$API_TOKEN_INSTANCE" ]; then \
		echo "demo: ID_INSTANCE and API_TOKEN_INSTANCE are set, so this logs in your real instance $$ID_INSTANCE at $${API_URL:-https://api.green-api.com} (unset them to see the emulator instead)"; \
		exec target/release/scanqr $(ARGS); \
	fi; \
	info=$$(mktemp); \
	target/release/scanqr-emulator --once --state notAuthorized --code ABCD1234 authorize 3 2 >"$$info" 2>/dev/null & emu=$$!; \
	trap 'kill $$emu 2>/dev/null; rm -f "$$info"' EXIT INT TERM; \
	for i in $$(seq 100); do grep -q '^token=' "$$info" && break; sleep 0.05; done; \
	url=$$(sed -n 's/^api_url=//p' "$$info"); \
	echo "demo: using the built-in GREEN-API emulator at $$url (not a real instance): it sends 3 QR codes, 2 s apart, then 'scans' them; with --phone, its pairing code is entered 3 s after it is given."; \
	ID_INSTANCE=$$(sed -n 's/^instance=//p' "$$info") \
	API_TOKEN_INSTANCE=$$(sed -n 's/^token=//p' "$$info") \
	target/release/scanqr --api-url "$$url" $(ARGS)

# The benchmark's own `vendored` feature, so it knows which OpenSSL it measures.
bench:
	$(CARGO) run --release -p scanqr-bench $(if $(VENDORED),--features vendored) -- $(ARGS)

fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)

# Ten minutes a target, as run before a release.
fuzz-long:
	fuzz/run.sh 600

# 500 consecutive sessions against the emulator, mixed scenarios (SOAK_SESSIONS=N to change).
soak:
	$(CARGO) test --release --test it $(VENDORED) -- --ignored --nocapture soak::

# A normal session, the bad-frames session, TLS and a signal, each under valgrind's memcheck.
valgrind:
	SCANQR_WRAPPER="valgrind --error-exitcode=1 -q --leak-check=full" $(CARGO) test --test it $(VENDORED) -- \
		session::authorized_reports session::bad_frames signals::sigterm tls::wss_session_with_ca_file

# Only asks rustup (and the network) when a component is missing.
tools:
	@for c in fmt:rustfmt clippy:clippy; do \
		$(CARGO) $${c%%:*} --version >/dev/null 2>&1 && continue; \
		rustup component add $${c#*:} || { echo "make: $${c#*:} is missing and 'rustup component add $${c#*:}' failed; run it once with network access" >&2; exit 1; }; \
	done

clean:
	$(CARGO) clean
