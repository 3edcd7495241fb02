import { useStoredFlag } from '../lib/storage.ts';

/**
 * "How overlays work", beside the editor: the two lines every overlay starts with, what Paddock's
 * base already has, the habits that keep images small, and what breaks a workspace. Folding it
 * is remembered, so it stays out of the way once read.
 */
export function OverlayExplainer() {
  const [open, setOpen] = useStoredFlag('paddock.overlay-explainer-open', true);
  return (
    <details className="explainer" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="explainer-title">How overlays work</summary>
      <div className="explainer-body">
        <p>
          A workspace’s image is built in layers: Paddock’s base image first (Debian or Ubuntu with the <code>agent</code> user, git, tmux, ripgrep, curl and, in the full variant, Node.js and the agent CLIs), then this overlay on
          top, with what your project needs.
        </p>
        <p>
          Paddock builds the overlay with <code>--build-arg BASE=&lt;its base image&gt;</code>, so it starts with <code>ARG BASE</code> and its last stage with <code>FROM ${'{BASE}'}</code>. Stages before it may use any image, such as a
          compiler whose result you <code>COPY --from</code>.
        </p>
        <div className="explainer-columns">
          <div>
            <h3 className="explainer-heading">Good habits</h3>
            <ul>
              <li>
                Install and clean up in one <code>RUN</code>: <code>apt-get update &amp;&amp; apt-get install -y --no-install-recommends … &amp;&amp; rm -rf /var/lib/apt/lists/*</code>. A later <code>RUN</code> cannot shrink an earlier layer.
              </li>
              <li>
                No caches in layers: <code>pip install --no-cache-dir</code>, <code>npm cache clean --force</code>, <code>apk add --no-cache</code>.
              </li>
              <li>Compile tools in a builder stage and copy only the result into the final one.</li>
              <li>Put what changes least first, so a rebuild reuses the cached steps before it. Your project is mounted at run time: it rarely needs copying in.</li>
            </ul>
          </div>
          <div>
            <h3 className="explainer-heading">What to avoid</h3>
            <ul>
              <li>
                <strong>Removing the agent user</strong> (UID 1000) or <code>/home/agent</code>: Paddock runs the agent as <code>1000:1000</code>; without it the workspace is unusable.
              </li>
              <li>
                <strong>
                  Setting <code>PATH</code> without <code>${'{PATH}'}</code>
                </strong>
                : the agent’s own tools in <code>~/.local/bin</code> and the system’s are lost.
              </li>
              <li>
                <strong>
                  <code>VOLUME</code> on <code>/home/agent</code> or your project folders
                </strong>
                : the agent’s home goes into a throwaway volume, or your files are hidden from it.
              </li>
              <li>
                <code>ENTRYPOINT</code>, <code>CMD</code>, <code>USER</code> and <code>HEALTHCHECK</code> do nothing for the agent: Paddock starts and checks it its own way.
              </li>
              <li>
                BuildKit-only syntax (<code>RUN --mount</code>, heredocs, <code>COPY --chmod</code>): Paddock builds with the classic builder.
              </li>
            </ul>
          </div>
        </div>
      </div>
    </details>
  );
}
