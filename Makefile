# mmdsgan: `make demo` runs the method end to end, `make test` runs the test suite.
# Both first run `make setup`, which creates .venv (idempotent: seconds once it is built).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -q

.PHONY: setup test test-fast demo clean-venv

setup:
	@bash tools/setup_env.sh

# pytest exits 5 when it collected no test: an empty selection must not pass silently.
test: setup
	@$(PY) -m pytest tests $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# The same without the tests marked slow (end-to-end tool runs and training loops).
test-fast: setup
	@$(PY) -m pytest tests -m "not slow" $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# The toy experiment through the pipeline runner; DEMO_ARGS adds runner flags, e.g.
# DEMO_ARGS="--cfg-options generation.num=500".
TOY := configs/experiments/handsoff_toy-faces
demo: setup
	@$(PY) tools/handsoff.py $(TOY)-64x64.py --work-dir work_dirs/demo $(DEMO_ARGS)

# `make demo` for segmentation, depth and keypoints: one experiment per label type.
.PHONY: demo-all
demo-all: setup
	@set -e; for task in '' -depth -keypoints; do \
	  $(PY) tools/handsoff.py $(TOY)$$task-64x64.py --work-dir work_dirs/demo$$task $(DEMO_ARGS); \
	done

clean-venv:
	rm -rf $(VENV)
