# scanqr: `make demo` shows a whole session, `make test` runs every check.
CARGO ?= cargo
PREFIX ?= $(HOME)/.cargo
# Without OpenSSL headers, build OpenSSL from source instead of failing.
VENDORED := $(shell pkg-config --exists openssl 2>/dev/null || echo --features scanqr/vendored)
FUZZ_SECONDS ?= 60

.PHONY: build test install demo bench fuzz fuzz-long soak valgrind tools clean

build:
	$(CARGO) build --release --workspace $(VENDORED)

# fmt check, clippy with warnings denied, every test of the workspace. Most
# tests wait on sockets and timers, not the CPU, hence more threads than cores.
test: tools
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets $(VENDORED) -- -D warnings
	$(CARGO) test --workspace $(VENDORED) -- --test-threads=8

install:
	$(CARGO) install --locked --path . --root $(PREFIX) $(VENDORED)

# Against the built-in emulator, or the real service when ID_INSTANCE and
# API_TOKEN_INSTANCE are set.
demo: build
	@if [ -n "$$ID_INSTANCE" ] && [ -n "$$API_TOKEN_INSTANCE" ]; then \
		exec target/release/scanqr $(ARGS); \
	fi; \
	info=$$(mktemp); \
	target/release/scanqr-emulator --once authorize 3 2 >"$$info" 2>/dev/null & emu=$$!; \
	trap 'kill $$emu 2>/dev/null; rm -f "$$info"' EXIT INT TERM; \
	for i in $$(seq 100); do grep -q '^token=' "$$info" && break; sleep 0.05; done; \
	url=$$(sed -n 's/^api_url=//p' "$$info"); \
	echo "demo: the built-in GREEN-API emulator listens at $$url; it sends 3 QR codes, 2 s apart, then 'scans' them."; \
	ID_INSTANCE=$$(sed -n 's/^instance=//p' "$$info") \
	API_TOKEN_INSTANCE=$$(sed -n 's/^token=//p' "$$info") \
	target/release/scanqr --api-url "$$url" $(ARGS)

bench:
	$(CARGO) run --release -p scanqr-bench $(VENDORED) -- $(ARGS)

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

tools:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

clean:
	$(CARGO) clean
