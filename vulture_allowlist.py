"""Names vulture cannot see used: the public API, names a framework or a string path calls, and names
only the tests read. vulture reads this file with envgen/ and benchmarks/ (``[tool.vulture]`` in
pyproject.toml); it is never imported. A name that really becomes unused should leave this list too.

Pydantic validators (``@field_validator``, ``@model_validator``), ``model_config`` and the custom vmap
rules (``@*.def_vmap``) are ignored in pyproject.toml instead.
"""

# ruff: noqa: B018 (every line is a bare name or attribute: that is how vulture reads a use)
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# -- called by Python, click or gymnax, not by envgen ---------------------------------------------
_.__getattr__  # lazy module attributes: envgen, envgen.generate, envgen.rewards
_.get_command  # click.Group hooks (envgen/cli.py LazyGroup)
_.format_commands
_.is_terminated  # gymnax Environment methods (envs/crafter/env.py, envs/minigrid/env.py)
_.is_terminal
_.state_space
_.discount  # gymnax's Environment API (envs/base.py), called by wrappers and users
_.supports_transition_gradients  # gymnax v1 attributes kept so the public surface matches
_.transition_gradients_enabled

# -- loaded by "module:attribute" strings (envgen/registry.py, the sandbox child's launcher) --------
_.Crafter
_.CrafterSpec
_.MinigridSpec
_.crafter_facts
_.minigrid_facts
_.offline_rules  # FamilyEntry fields, read with getattr(entry, part)
_.facts
_.AnthropicProvider  # envgen.llm.make_provider picks a provider class by name
_.OpenAICompatProvider
_.OfflineProvider
_.child_main  # run by the sandbox child from a source string (rewards/sandbox/process.py)

# -- fields read by name: pydantic/dataclass fields, reward-program views, documented tables --------
_.grassland  # Crafter spec fields (configs and docs/config-crafter.md)
_.beaches
_.wood
_.stone
_.wood_pickaxe
_.stone_pickaxe
_.iron_pickaxe
_.wood_sword
_.stone_sword
_.iron_sword
_.coal_rarity
_.iron_rarity
_.diamond_rarity
_.tree_rarity
_.cost_note  # LLMResponse field
_.n_samples  # sandbox limits (rewards/sandbox/report.py), sent to the child as a mapping
_.rollout_envs
_.rollout_steps
_.farm_min_solve
_.min_spread
_.max_cost_ratio
_.min_compile_budget_s
_.min_run_budget_s
_.steps_remaining  # MiniGrid reward view fields: what generated reward programs read
_.carrying_type
_.carrying_color
_.front_type
_.front_color
_.front_state
_.goal_distance
_.on_goal
_.mission_kind
_.target_distance
_.target_held
_.target_visible
_.put_distance
_.keys_on_grid
_.in_lava
_.mission_success
_.jittable  # teacher class attribute the loop reads
_.FEATURE_DOCS  # documented next to FEATURES/EVENTS (docs/tasks.md)
_.EVENT_DOCS
_.VITALS  # enumeration tables kept whole, mirroring Crafter's and MiniGrid's own
_.DIR_LEFT
_.DIR_RIGHT
_.DIR_UP
_.DIR_DOWN
_.UNSEEN
_.PURPLE
_.STATE_NAMES
_.L_TWO_ROOMS
_.L_FOUR_ROOMS
_.L_CROSSING
_.L_LAVA_GAP
_.L_OBSTACLES
_.L_RED_BLUE_DOORS
_.L_LOCKED_ROOM
_.L_MEMORY
_.L_PLAYGROUND

# -- public API (documented in docs/ or README, exercised by the tests) ---------------------------
_.reset_from_level  # docs/crafter.md
_.stack_params  # docs/crafter.md
_.feature_names  # TaskEnv
_.event_names
_.with_env_state
_.base_spec  # ParamSpace (docs/tasks.md)
_.to_spec
_.from_spec
_.farm_check  # docs/tasks.md
_.gather  # envgen.train.sharding (docs/training.md)
_.traces  # PPO's trace counter (docs/training.md)
_.iqm  # envgen.compare.stats
_.with_program  # RewardBank
_.replay_distribution  # PLR teacher
_.check_goal  # crafter solvability for a list of goals
_.parse_crafter_goal  # the ontology's one-call readings of a goal
_.parse_minigrid_goal
_.sdk_httpx  # the Anthropic SDK's HTTP client (docs/providers.md)
_.ask  # LLMProvider.ask (docs/providers.md)
_.hits  # ReplayProvider counters
_.recorded
_.last_prompt  # LLM teacher: what it last asked for
_.last_goal
_.TIMING_FIELDS  # train log columns that differ between identical runs
