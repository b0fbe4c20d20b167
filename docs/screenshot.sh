#!/usr/bin/env bash
# Takes the GUI screenshots in a real window under Xvfb (software OpenGL):
#   docs/gui.png          mid-cascade on the default scenario;
#   docs/gui-markets.png  the correlation-break scenario just after the break (two markets, pair traders);
#   docs/gui-options.png  gamma-crash after its crash (the smile and the option market maker's delta).
# Needs: apt-get install -y xvfb imagemagick libxkbcommon-x11-0
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
shoot() { # scenario, seconds of play at 150 ticks/s, output
    xvfb-run -a -s "-screen 0 1400x900x24" sh -c "
        target/release/cascade gui $1 --play --speed 150 &
        pid=\$!
        sleep $2
        import -window root $3
        kill \$pid
    "
    echo "wrote $3"
}
shoot default 9.9 docs/gui.png
shoot correlation-break 11 docs/gui-markets.png
shoot gamma-crash 7 docs/gui-options.png
