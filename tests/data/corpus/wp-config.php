<?php
/**
 * The base configuration for WordPress
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'acme_wp' );

/** Database username */
define( 'DB_USER', 'acme_wp' );

/** Database password */
define( 'DB_PASSWORD', 'Falcon2024!' );

/** Database hostname */
define( 'DB_HOST', 'db.acme.io' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8mb4' );

/**#@+
 * Authentication unique keys and salts.
 *
 * Change these to different unique phrases! You can generate these using
 * the {@link https://api.wordpress.org/secret-key/1.1/salt/ WordPress.org secret-key service}.
 *
 * @since 2.6.0
 */
define( 'AUTH_KEY',         '8x Mz0|H&F~@T1^}BN*?Q%jA:7?+s&B0hS>17prPXQSzP21O-B0DAfCcH#O-?1}o' );
define( 'SECURE_AUTH_KEY',  'Q+{DE7UrzV@]>sHX<RQ?|7v;/qQA ;imwat4?ESDkzKE:7{H9^3=1zjMMJr-=G^m' );
define( 'LOGGED_IN_KEY',    '@BzXw$COT/f .*W~jpDh%qA~}l#wE! vulq<n]){>d]n)x*/OapJdxhn~<.<A A`' );
define( 'NONCE_KEY',        'y7x8OI6~4|BZ[51]/rAuNYzwT6;bpQ.aC#1=eB{7(@(g3Qb$R(G,uC{n3irwdRNG' );
define( 'AUTH_SALT',        '@uU73!}PueppU2~x#?mg=3dIDpO*-rB- n3n]?/I3)uDa$pzW&_05_w`F(LJ[T5~' );
define( 'SECURE_AUTH_SALT', 'oZYKO#%DETD17_NK.;y7`*gGW+AH0%r+OK:&rl#C7{JLF`%XKx9Ud]`W:irm2}Py' );
define( 'LOGGED_IN_SALT',   'j Ge~H,%y3vy|8Ii7pm[IqX[`mC EvL+r:X;nqR0Q>/Q(Ec{JWr-Iv#GB(q/2*yq' );
define( 'NONCE_SALT',       'q.:DGd~}.o2^1e8tJ|U7SL9. 5(`e;KxX+@~U#!Uui#(Izx47P<aso2gK=k?k,97' );

/**#@-*/

/* Copied from wp-config-sample.php and never filled in on the staging box. */
define( 'WP_CACHE_KEY_SALT', 'acme.io:' );
// define( 'AUTH_KEY',         'put your unique phrase here' );
define( 'STAGING_AUTH_KEY',  'put your unique phrase here' );

$table_prefix = 'wp_';

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
