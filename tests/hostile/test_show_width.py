"""`envgen show` in an 80-column terminal: the table wraps between words, never inside one, and says what
the folder's reward bank costs per step."""

from __future__ import annotations

from click.testing import CliRunner

from envgen.cli import main

CONFIG = ("family: minigrid\nname: DoorKey-Hard\nmax_steps: 256\nlayout:\n  kind: two_rooms\n  size: 8\n"
          "door:\n  locked_prob: 0.75\nreward:\n  potential: {goal_close: 0.5, key_held: 0.3}\n"
          "  bonus: {success: 1.0}\n")
PURPOSE = "Teach the agent to fetch a key, unlock the door and reach the goal behind it."
TARGETS = ["minigrid/DoorKey-8x8", "minigrid/UnlockPickup"]
PROGRAM = "def reward(prev, state, action):\n    return 0.1 * (prev.goal_distance - state.goal_distance)\n"


def show(folder, columns: int = 80) -> str:
    res = CliRunner().invoke(main, ["show", str(folder)], env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    return res.output


def test_show_at_80_columns_never_splits_a_word(tmp_path, make_folder):
    folder = make_folder(tmp_path / "f", [PROGRAM + f"# {i}\n" for i in range(3)], CONFIG, purpose=PURPOSE,
                         targets=TARGETS, name_format="doorkey_unlock_variant_{i}")
    out = show(folder)
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert table and max(len(line) for line in table) <= 80
    words = [*PURPOSE.split(), "max_steps=256;", "kind=two_rooms,", "locked_prob=0.75;", "potential(goal_close=0.5,",
             "key_held=0.3),", "bonus(success=1.0)", *TARGETS, "solvable: yes (88%)"]
    for i in range(3):
        words += [f"doorkey_unlock_variant_{i}", f"rewards/doorkey_unlock_variant_{i}.py"]
    split = [w for w in words if w not in out]
    assert not split, f"split across lines at 80 columns: {split}\n{out}"


def test_show_states_what_the_reward_bank_costs(tmp_path, make_folder):
    copies = make_folder(tmp_path / "copies", [PROGRAM + f"# copy {i}\n" for i in range(4)])
    assert "reward bank: 1 distinct program for 4 environments; under vmap every distinct program runs for every " \
           "environment on each step" in " ".join(show(copies, 400).split())
    other = PROGRAM.replace("0.1 *", "0.5 *")
    mixed = make_folder(tmp_path / "mixed", [PROGRAM, other, PROGRAM + "# again\n"])
    assert "reward bank: 2 distinct programs for 3 environments" in show(mixed, 400)
