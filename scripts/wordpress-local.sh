#!/bin/bash
# (Copy of the team recipe in ../shared/reference; tests/plugins/integrations.py starts it once per test session.)
# Bring up a throwaway real WordPress (Debian pkg) on 127.0.0.1:$PORT with MariaDB on a unix socket.
# --no-defaults: a system /etc/mysql/my.cnf (user = mysql, its own datadir) must not leak into this private instance.
# Prereq (once): apt-get install -y --no-install-recommends wordpress php-cli php-mysql php-gd php-curl php-xml php-mbstring mariadb-server
set -euo pipefail
D=${D:-${TMPDIR:-/tmp}/wp-local}; PORT=${PORT:-8081}; URL="http://127.0.0.1:$PORT"
rm -rf "$D"; mkdir -p "$D"/{db,run}
t0=$(date +%s.%N); ts(){ echo "[$(echo "$(date +%s.%N)-$t0"|bc|cut -c1-5)s] $*"; }
mariadb-install-db --no-defaults --user=root --datadir="$D/db" --auth-root-authentication-method=normal --skip-test-db >"$D/db-install.log" 2>&1
ts "datadir initialised"
setsid mariadbd --no-defaults --user=root --datadir="$D/db" --socket="$D/run/mysql.sock" --pid-file="$D/run/mysql.pid" --skip-networking >"$D/mariadbd.log" 2>&1 &
echo $! >"$D/run/mariadbd.launcher.pid"
for i in $(seq 1 100); do mariadb-admin --no-defaults --socket="$D/run/mysql.sock" -uroot ping >/dev/null 2>&1 && break; sleep 0.1; done
ts "mariadbd up (pid $(cat $D/run/mysql.pid))"
mariadb --no-defaults --socket="$D/run/mysql.sock" -uroot -e "CREATE DATABASE wp; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wppass'; GRANT ALL ON wp.* TO 'wp'@'localhost';"
cp -a /usr/share/wordpress "$D/wp"; mkdir -p "$D/wp/wp-content/uploads"
cp -a /var/lib/wordpress/wp-content/plugins/. "$D/wp/wp-content/plugins/" 2>/dev/null || true
ts "wordpress tree copied"
cat >"$D/wp/wp-config.php" <<EOF
<?php
define('DB_NAME','wp'); define('DB_USER','wp'); define('DB_PASSWORD','wppass');
define('DB_HOST','localhost:$D/run/mysql.sock'); define('DB_CHARSET','utf8mb4'); define('DB_COLLATE','');
$(php -r 'foreach(["AUTH_KEY","SECURE_AUTH_KEY","LOGGED_IN_KEY","NONCE_KEY","AUTH_SALT","SECURE_AUTH_SALT","LOGGED_IN_SALT","NONCE_SALT"] as $k) echo "define(\"$k\",\"".bin2hex(random_bytes(32))."\");\n";')
\$table_prefix = 'wp_';
define('WP_HOME','$URL'); define('WP_SITEURL','$URL');
define('WP_ENVIRONMENT_TYPE','local');   // enables Application Passwords without HTTPS
define('FS_METHOD','direct'); define('DISABLE_WP_CRON',true); define('AUTOMATIC_UPDATER_DISABLED',true);
define('WP_HTTP_BLOCK_EXTERNAL',true);
define('WP_DEBUG',true); define('WP_DEBUG_DISPLAY',false); define('WP_DEBUG_LOG','$D/wp-debug.log');
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
EOF
cat >"$D/router.php" <<'EOF'
<?php
$root = $_SERVER['DOCUMENT_ROOT']; $path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($path !== '/' && file_exists($root . $path)) return false;
$_SERVER['SCRIPT_NAME'] = '/index.php'; $_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir($root); require $root . '/index.php';
EOF
cat >"$D/bootstrap.php" <<'EOF'
<?php
define('WP_INSTALLING', true); define('WP_USE_THEMES', false);
$_SERVER['HTTP_HOST'] = parse_url($argv[1], PHP_URL_HOST) . ':' . parse_url($argv[1], PHP_URL_PORT); $_SERVER['REQUEST_URI'] = '/';
require $argv[2] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install('DAM Test', 'admin', 'admin@example.com', false, '', 'Admin-Pass-123!');
global $wp_rewrite; $wp_rewrite->set_permalink_structure('/%postname%/'); update_option('rewrite_rules', '');
$p = WP_Application_Passwords::create_new_application_password($r['user_id'], ['name' => 'ci']);
echo $p[0], "\n";
EOF
APW=$(php "$D/bootstrap.php" "$URL" "$D/wp" 2>/dev/null | tail -1)
ts "wp_install + permalinks + app password done"
PHP_CLI_SERVER_WORKERS=4 setsid php -S "127.0.0.1:$PORT" -t "$D/wp" "$D/router.php" >"$D/php-server.log" 2>&1 &
echo $! >"$D/run/php.pid"
for i in $(seq 1 100); do curl -sf -o /dev/null "$URL/wp-json/" && break; sleep 0.1; done
ts "php -S serving $URL (pid $(cat $D/run/php.pid))"
echo "admin:$APW" >"$D/credentials"
echo "WP_URL=$URL WP_USER=admin WP_APP_PASSWORD=$APW"
