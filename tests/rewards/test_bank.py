"""RewardBank: only validated programs, dispatched by id inside one jit(vmap(...)) batch."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from envgen.rewards import RewardBank, UnvalidatedProgramError, ValidationReport, program_hash
from envgen.rewards import sandbox as sb

NAMES = ["approach_goal", "helper_has", "weighted_loop", "nested_stats"]


@pytest.fixture(scope="module")
def bank_and_sources(toy_reports, toy_family):
    sources = [toy_reports[n][0] for n in NAMES]
    reports = [toy_reports[n][1] for n in reversed(NAMES)]  # order does not matter: matched by hash
    return RewardBank.from_validated(toy_family, sources, reports), sources


def test_mixed_programs_run_in_one_vmapped_batch(bank_and_sources, toy, toy_family):
    bank, sources = bank_and_sources
    n = 64
    prev, state, action = toy.sample_views(jax.random.PRNGKey(1), n)
    ids = jnp.arange(n) % len(NAMES)
    traces = []

    def batch_reward(ids, prev, state, action):
        traces.append(1)
        return jax.vmap(bank)(ids, prev, state, action)

    f = jax.jit(batch_reward)
    got = np.asarray(f(ids, prev, state, action))
    assert got.dtype == np.float32 and got.shape == (n,)
    for k, source in enumerate(sources):
        expected = np.asarray(jax.vmap(sb.compile_program(source, toy_family.spec))(prev, state, action))
        np.testing.assert_allclose(got[k :: len(NAMES)], expected[k :: len(NAMES)], rtol=1e-6)
    f(jnp.flip(ids), prev, state, action)  # new assignment of programs to envs: no retrace
    assert len(traces) == 1


def test_ids_follow_insertion_and_duplicates_reuse_them(bank_and_sources, toy_reports):
    bank, sources = bank_and_sources
    assert len(bank) == len(NAMES) and bank.hashes == tuple(program_hash(s) for s in sources)
    source, report = toy_reports[NAMES[2]]
    same, idx = bank.with_program(source, report)
    assert idx == 2 and same is bank and bank.index(program_hash(source)) == 2


def test_bank_is_immutable_and_part_of_the_jit_key(toy_family, toy_reports, toy):
    """A program added after tracing can never be silently missing: adding makes a new bank."""
    src0, rep0 = toy_reports[NAMES[0]]
    src1, rep1 = toy_reports[NAMES[1]]
    bank = RewardBank(toy_family, [src0], [rep0])
    prev, state, action = jax.tree_util.tree_map(lambda x: x[0], toy.sample_views(jax.random.PRNGKey(3), 1))
    f = jax.jit(lambda b, i: b(i, prev, state, action), static_argnums=0)
    first = float(f(bank, 1))
    bigger, idx = bank.with_program(src1, rep1)
    assert idx == 1 and len(bank) == 1 and len(bigger) == 2 and bigger != bank
    expected = float(sb.compile_program(src1, toy_family.spec)(prev, state, action))
    assert float(f(bigger, 1)) == pytest.approx(expected)
    assert float(f(bank, 1)) == first  # the old bank is unchanged
    assert RewardBank(toy_family, [src0], [rep0]) == bank and hash(RewardBank(toy_family, [src0], [rep0])) == hash(bank)
    assert bigger.sources == (src0, src1)


def test_bank_refuses_programs_that_did_not_pass(toy_family, toy_reports):
    bank = RewardBank(toy_family)
    source, report = toy_reports["approach_goal"]
    with pytest.raises(UnvalidatedProgramError, match="no report"):
        bank.with_program(source, None)
    tampered = source.replace("prev.goal_dist - state.goal_dist", "state.goal_dist")
    with pytest.raises(UnvalidatedProgramError, match="report is for"):
        bank.with_program(tampered, report)  # same report, different code: the hash pins the program
    bad_source, bad_report = toy_reports["nan"]
    with pytest.raises(UnvalidatedProgramError, match="validation failed at stage 'rollout'"):
        bank.with_program(bad_source, bad_report)
    other_family = ValidationReport(report.program_hash, "crafter", True, "passed", "ok")
    with pytest.raises(UnvalidatedProgramError, match="validated for family 'crafter'"):
        bank.with_program(source, other_family)
    with pytest.raises(UnvalidatedProgramError, match="no report"):
        RewardBank(toy_family, [source], [])
    assert len(bank) == 0


def test_empty_bank_gives_zero_reward(toy_family, toy):
    prev, state, action = jax.tree_util.tree_map(lambda x: x[0], toy.sample_views(jax.random.PRNGKey(0), 1))
    assert float(RewardBank(toy_family)(0, prev, state, action)) == 0.0


def _copies(n: int) -> list[str]:
    """``n`` distinct texts of one trivial program: comments, spacing and docstrings differ, the code not."""
    out = []
    for i in range(n):
        doc = f'    """Copy {i}."""\n' if i % 2 else ""
        pad = " " * (i % 3)
        out.append(f"# copy {i}\ndef reward(prev, state, action):\n{doc}"
                   f"    return{pad} (prev.goal_dist -{pad} state.goal_dist)  # {i}\n\n" + "\n" * (i % 4))
    return out


def test_identical_programs_in_32_copies_share_one_branch(toy_family, toy):
    sources = _copies(32)
    assert len({program_hash(s) for s in sources}) == 32  # 32 distinct files, as a generated folder has
    reports = [ValidationReport(program_hash(s), toy_family.name, True, "passed", "ok") for s in sources]
    bank = RewardBank.from_validated(toy_family, sources, reports)
    assert len(bank) == 1 and bank.hashes == (program_hash(sources[0]),)
    assert [bank.index(program_hash(s)) for s in sources] == [0] * 32
    prev, state, action = toy.sample_views(jax.random.PRNGKey(5), 32)
    ids = jnp.asarray([bank.index(program_hash(s)) for s in sources])
    got = np.asarray(jax.vmap(bank)(ids, prev, state, action))
    expected = np.asarray(jax.vmap(sb.compile_program(sources[7], toy_family.spec))(prev, state, action))
    np.testing.assert_array_equal(got, expected)
    # adding yet another copy keeps the bank; a program that differs in code gets its own branch
    extra = "def reward(prev, state, action):\n    return prev.goal_dist - state.goal_dist\n"
    same, idx = bank.with_program(extra, ValidationReport(program_hash(extra), toy_family.name, True, "passed", "ok"))
    assert idx == 0 and len(same) == 1 and same.index(program_hash(extra)) == 0
    other = extra.replace("prev.goal_dist - state.goal_dist", "state.goal_dist - prev.goal_dist")
    bigger, idx = same.with_program(other, ValidationReport(program_hash(other), toy_family.name, True, "passed", "ok"))
    assert idx == 1 and len(bigger) == 2 and bigger.index(program_hash(sources[31])) == 0
