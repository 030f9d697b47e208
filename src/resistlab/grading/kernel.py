"""Execute one notebook in a sandboxed kernel and survive what student code does to it.

:class:`GradingExecute` is nbgrader's own ``Execute`` preprocessor (same timeout,
interrupt-on-timeout, error handling and ``on_cell_executed`` bookkeeping, so an honest
notebook gets exactly the outputs ``nbgrader autograde`` would record) with four additions:

* the kernel is started through the :mod:`~resistlab.grading.sandbox` launcher, talks to the
  grader over UNIX sockets (``transport="ipc"``) in its own scratch folder, and gets a clean
  environment (no variable of the grader's leaks in);
* a kernel that dies (``os._exit``, a crash, memory exhausted) or stops answering interrupts
  costs only the cell it was running: the kernel is restarted, the cells before it are run
  again silently to rebuild the state, and grading goes on with the next cell (at most
  ``max_restarts`` times; after that the remaining cells are marked as not run);
* a cell's outputs are capped at ``max_output_bytes`` while they arrive (errors, stderr and the
  execution result are always kept, so the cap can never turn a failing test into a pass);
* after the last cell, a read-only integrity probe runs in the kernel (its output goes to the
  grader, never into the notebook).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Dict, Integer, List, Unicode

from .flags import Flag
from .sandbox import kernel_command

__all__ = ["GradingExecute", "GradingKernelManager"]

_TRUNCATION_NOTE = "\n... output truncated by the grader (more than {limit} bytes) ...\n"


class GradingKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` that starts its kernel through the sandbox launcher.

    ``policy_path`` empty means no sandbox (the plain kernel command).
    """

    policy_path = Unicode("", help="sandbox policy file ('' for no sandbox)").tag(config=True)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.policy_path:
            return cmd
        if cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise RuntimeError(
                "the grading sandbox only runs Python (ipykernel) kernels; this kernel's "
                f"command is {cmd!r}. Use `--sandbox off` to grade it unconfined."
            )
        return kernel_command(self.policy_path, cmd)


def _cell_name(cell, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


def _message_size(msg) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    data = content.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


class GradingExecute(Execute):
    """nbgrader's ``Execute``, sandboxed, restartable and output-capped (see the module doc)."""

    scratch = Unicode(help="the kernel's working folder (holds its sockets)").tag(config=True)
    policy_path = Unicode("", help="sandbox policy file ('' for no sandbox)").tag(config=True)
    kernel_env = Dict(help="the complete environment of the kernel process").tag(config=True)
    max_restarts = Integer(3, help="kernel restarts allowed per notebook").tag(config=True)
    max_output_bytes = Integer(8 * 2**20, help="output kept per cell (bytes)").tag(config=True)
    probe_code = Unicode("", help="code run after the last cell; its stdout is kept").tag(
        config=True
    )
    events = List(help="flags raised while executing (timeouts, restarts, truncation)")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The kernel's state is thrown away: kill it at the end rather than wait for it.
        self.shutdown_kernel = "immediate"

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self._kernel_starts = getattr(self, "_kernel_starts", 0) + 1
        # UNIX sockets in the scratch folder: the kernel needs no network (POSIX only).
        ipc = os.name == "posix"
        sockets = Path(self.scratch) / f".k{self._kernel_starts}"
        self.km = GradingKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc" if ipc else "tcp",
            ip=str(sockets) if ipc else "127.0.0.1",
            connection_file=str(Path(self.scratch) / f".kernel{self._kernel_starts}.json"),
            policy_path=self.policy_path,
        )
        return self.km

    # -- output capping ----------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        kind = msg["msg_type"]
        keep_always = kind in ("error", "execute_result") or (
            kind == "stream" and msg["content"].get("name") == "stderr"
        )
        used = self._output_bytes.get(cell_index, 0) + _message_size(msg)
        self._output_bytes[cell_index] = used
        if used <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            note = _TRUNCATION_NOTE.format(limit=self.max_output_bytes)
            outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
            self.events.append(
                Flag("output_truncated", _cell_name(self.nb.cells[cell_index], cell_index))
            )
        if keep_always:
            if kind == "stream":
                msg["content"]["text"] = msg["content"]["text"][:1000]
            return super().output(outs, msg, display_id, cell_index)
        return None

    # -- timeouts ----------------------------------------------------------------------------

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None:
            index = next((i for i, c in enumerate(self.nb.cells) if c is cell), -1)
            self.events.append(Flag("timeout", _cell_name(cell, index)))
        return await super()._async_handle_timeout(timeout, cell)

    # -- the notebook loop -------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.events = []
        self._output_bytes: dict[int, int] = {}
        self._truncated: set[int] = set()
        self.probe_output = None
        self.audit_starts = 0
        skip: set[int] = set()  # cells not to replay (they killed or hung the kernel)
        start, restarts = 0, 0
        cells = self.nb.cells
        while start < len(cells):
            self.km, self.kc = None, None
            with self.setup_kernel(cwd=self.scratch, env=dict(self.kernel_env)):
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                try:
                    if start and not self._replay(start, skip):
                        self._give_up(start, "the kernel could not be restarted to this point")
                        break
                    for index in range(start, len(cells)):
                        self.preprocess_cell(cells[index], resources, index)
                    start = len(cells)
                    self._run_probe()
                except (DeadKernelError, CellTimeoutError) as err:
                    index = self._current_index
                    self._record_failure(index, err)
                    skip.add(index)
                    start, restarts = index + 1, restarts + 1
                    if restarts > self.max_restarts:
                        self._give_up(start, f"the kernel died or hung {restarts} times")
                        break
        self.set_widgets_metadata()
        return self.nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        self._current_index = index
        return super().preprocess_cell(cell, resources, index)

    def _record_failure(self, index: int, err: Exception) -> None:
        cell = self.nb.cells[index]
        name = _cell_name(cell, index)
        if isinstance(err, DeadKernelError):
            self.events.append(Flag("kernel_died", name))
            cell.outputs.append(
                _error_output("DeadKernelError", "The kernel died while running this cell.")
            )
        else:
            self.events.append(Flag("unresponsive_kernel", name))
            cell.outputs.append(
                _error_output(
                    "CellTimeoutError",
                    "No reply from kernel before timeout; the kernel was restarted.",
                )
            )

    def _replay(self, upto: int, skip: set[int]) -> bool:
        """Run cells ``0..upto-1`` again (outputs discarded) to rebuild the kernel's state."""
        for index in range(upto):
            cell = self.nb.cells[index]
            if index in skip or cell.cell_type != "code" or not cell.source.strip():
                continue
            scratch_cell = NotebookNode(
                cell_type="code", source=cell.source, metadata={}, outputs=[], execution_count=None
            )
            saved = (self.nb.cells[index], len(self.events))
            self.nb.cells[index] = scratch_cell
            try:
                self.execute_cell(scratch_cell, index, store_history=True)
            except (DeadKernelError, CellTimeoutError):
                return False
            finally:
                self.nb.cells[index] = saved[0]
                del self.events[saved[1] :]
        return True

    def _give_up(self, start: int, why: str) -> None:
        for index in range(start, len(self.nb.cells)):
            cell = self.nb.cells[index]
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error_output("KernelDied", f"Not run: {why}.")]

    def _run_probe(self) -> None:
        if not self.probe_code:
            return
        probe = NotebookNode(
            cell_type="code", source=self.probe_code, metadata={}, outputs=[], execution_count=None
        )
        self.nb.cells.append(probe)
        index = len(self.nb.cells) - 1
        try:
            self.execute_cell(probe, index, store_history=False)
        except (DeadKernelError, CellTimeoutError):
            pass
        finally:
            self.nb.cells.pop()
        self.probe_output = "".join(
            o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream"
        )
