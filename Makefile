# Thin wrapper over CMake: `make run` and `make test` are the quick start.
BUILD    ?= build
ASAN     ?= build-asan
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE    ?= cmake
CONF     ?= examples/lanud.conf

.PHONY: all deps build build-asan run demo test test-unit fuzz bench bench-clocks bench-absences \
	bench-escalations bench-indicators bench-ops bench-notify install deb clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/Makefile:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN)/Makefile:
	$(CMAKE) -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DLANU_SANITIZE=ON

build: deps $(BUILD)/Makefile
	$(CMAKE) --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN)/Makefile
	$(CMAKE) --build $(ASAN) -j $(JOBS)

# lanud and lanuctl only (no tests, no benchmarks), the compiler's output shown only if
# the build fails, then the README's next steps and lanud in the foreground.
# The lanuctl lines are README.md's quick start ("With `make run` going"), word for word:
# change both together.
# The story of examples/demo.sh on a lanud of its own (manual clock from this morning):
# a warning, a miss seen late, a visit in time; tail, due and compliance as it goes.
demo: deps $(BUILD)/Makefile
	@log=$$(mktemp) && \
	if ! $(CMAKE) --build $(BUILD) -j $(JOBS) --target lanud lanuctl >"$$log" 2>&1; then \
		cat "$$log"; rm -f "$$log"; echo "make demo: the build failed" >&2; exit 1; \
	fi; rm -f "$$log"
	@examples/demo.sh $(BUILD)

run: deps $(BUILD)/Makefile
	@mkdir -p var
	@log=$$(mktemp) && \
	if ! $(CMAKE) --build $(BUILD) -j $(JOBS) --target lanud lanuctl >"$$log" 2>&1; then \
		cat "$$log"; rm -f "$$log"; echo "make run: the build failed" >&2; exit 1; \
	fi; rm -f "$$log"
	@echo "lanud: state in ./var, config $(CONF). With make run going, in another terminal:"
	@echo
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) status'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) send examples/events.jsonl'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) tail --recipient supervisors-special-services'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) ack a-1 --by coordinator-1 --note "called"'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) due --within "2 working days"'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) compliance --service school-social-worker --period 2026'
	@echo '$(BUILD)/clients/lanuctl -c $(CONF) audit --from 2026-01-01'
	@echo
	@exec $(BUILD)/daemon/lanud -c $(CONF)

# The whole suite, plain and under ASan+UBSan.
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

fuzz: deps
	CC=clang $(CMAKE) -S . -B build-fuzz -DLANU_FUZZ=ON -DLANU_TESTS=OFF
	$(CMAKE) --build build-fuzz -j $(JOBS) --target fuzz_request fuzz_plan fuzz_deadline \
		fuzz_stateful fuzz_csv fuzz_auth fuzz_indicator fuzz_notify_conf

bench: build
	$(BUILD)/bench/lanubench

bench-clocks: build
	$(BUILD)/bench/clockbench

bench-absences: build
	$(BUILD)/bench/absencebench

bench-escalations: build
	$(BUILD)/bench/escbench

bench-indicators: build
	$(BUILD)/bench/indbench

# What backups, metrics and the schema migration cost (bench/README.md, opsbench).
bench-ops: build
	bench/opsbench.sh $(BUILD)

# How fast lanu-notify delivers to webhooks and e-mail (bench/README.md, notifybench).
bench-notify: build
	bench/notifybench.sh $(BUILD)

install: build
	$(CMAKE) --install $(BUILD)

# The Debian package (debian/, docs/operations.md). dpkg-buildpackage writes to the parent
# directory; the package, its debug symbols, .buildinfo and .changes are moved to ./dist/.
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_ARCH    = $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
deb: deps
	dpkg-buildpackage -b -us -uc -j$(JOBS)
	@mkdir -p dist
	@rm -f dist/lanu_* dist/lanu-dbgsym_*
	mv ../lanu_$(DEB_VERSION)_$(DEB_ARCH).deb ../lanu_$(DEB_VERSION)_$(DEB_ARCH).buildinfo \
		../lanu_$(DEB_VERSION)_$(DEB_ARCH).changes dist/
	@if [ -f ../lanu-dbgsym_$(DEB_VERSION)_$(DEB_ARCH).deb ]; then \
		mv ../lanu-dbgsym_$(DEB_VERSION)_$(DEB_ARCH).deb dist/; fi
	@echo "deb: dist/lanu_$(DEB_VERSION)_$(DEB_ARCH).deb"

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz dist
