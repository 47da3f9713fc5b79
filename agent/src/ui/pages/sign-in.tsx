import { type AssetUrls, Shell } from "../layout.tsx";

/** The one page shown before signing in. `next`: where to go after (a local path). */
export function SignInPage(props: {
  assets: AssetUrls;
  next: string;
  problem: string | undefined;
}) {
  return (
    <Shell title="Sign in" assets={props.assets}>
      <main id="main" class="sign-in">
        <h1>Camera appliance</h1>
        <form method="post" action="/login">
          <input type="hidden" name="next" value={props.next} />
          <label for="credential">API key or access token</label>
          <input
            id="credential"
            name="credential"
            type="password"
            autocomplete="current-password"
            required
            maxlength={8192}
            autofocus
          />
          {props.problem ? (
            <p class="error-text" role="alert">
              {props.problem}
            </p>
          ) : null}
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
        <p class="hint">
          An administrator creates keys with <code>camera-agent keys create</code> or on the API
          keys page.
        </p>
      </main>
    </Shell>
  );
}

/** A refusal or a missing thing, inside the signed-in frame when there is one. */
export function ProblemPage(props: { assets: AssetUrls; title: string; text: string }) {
  return (
    <Shell title={props.title} assets={props.assets}>
      <main id="main">
        <h1>{props.title}</h1>
        <p>{props.text}</p>
        <p>
          <a href="/">Back to the cameras</a>
        </p>
      </main>
    </Shell>
  );
}
