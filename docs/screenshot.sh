#!/usr/bin/env bash
# Takes docs/gui.png: the GUI in a real window under Xvfb (software OpenGL), mid-cascade on the default scenario.
# Needs: apt-get install -y xvfb imagemagick libxkbcommon-x11-0
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
xvfb-run -a -s "-screen 0 1400x900x24" sh -c '
    target/release/cascade gui default --play --speed 150 &
    pid=$!
    sleep 10.5
    import -window root docs/gui.png
    kill $pid
'
echo "wrote docs/gui.png"
