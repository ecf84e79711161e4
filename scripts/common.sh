# Shared by scripts/test-asan.sh and scripts/test-valgrind.sh (sourced; they set `die`).

# copy_work_tree REPO DEST: the tracked and untracked-but-not-ignored files of REPO as they are now
# (uncommitted edits included), without node_modules/build/dist, into DEST; node_modules is linked
# (read-only use: node-gyp, tsc and mocha write only build/, dist/ and the caller's own dirs).
copy_work_tree() {
  local repo=$1 dest=$2
  mkdir -p "$dest"
  (
    cd "$repo"
    git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "$repo is not a git work tree"
    # -c lists files deleted from the work tree too: keep only what exists.
    git ls-files -co --exclude-standard -z |
      while IFS= read -r -d '' file; do
        case $file in node_modules | node_modules/* | build | build/* | dist | dist/*) continue ;; esac
        if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
      done |
      tar --null -T - -cf - | tar -xf - -C "$dest"
  )
  [ -d "$repo/node_modules" ] || die "no node_modules in $repo: run npm ci there first"
  ln -s "$repo/node_modules" "$dest/node_modules"
}

# gyp_args: node-gyp's arguments for a rebuild here. npm tells node-gyp where Node's headers are
# when it runs it; run directly, it is told the same from npm's config or from node's own prefix.
gyp_args() {
  local nodedir=${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}
  if [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ "$nodedir" = null ]; then
    nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  fi
  GYP_ARGS=(rebuild --jobs=max)
  if [ -f "$nodedir/include/node/node_api.h" ]; then GYP_ARGS+=("--nodedir=$nodedir"); fi
}
