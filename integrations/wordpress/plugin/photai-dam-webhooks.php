<?php
/**
 * Plugin Name: PhotAI DAM webhooks
 * Description: Tells PhotAI DAM when a media item it published is deleted in WordPress (core sends no webhooks).
 * Version: 1.1.0
 * License: Apache-2.0
 *
 * Configure with two constants (wp-config.php) or two options:
 *   PHOTAI_DAM_WEBHOOK_URL    / photai_dam_webhook_url     the connection's webhook_url from the PhotAI DAM API
 *   PHOTAI_DAM_WEBHOOK_SECRET / photai_dam_webhook_secret  the connection's webhook secret
 * Each delivery is POSTed as JSON with a unique X-PhotAI-Delivery id, X-PhotAI-Timestamp (Unix seconds) and
 * X-PhotAI-Signature: sha256=<hex HMAC-SHA256 of "<delivery id>.<timestamp>.<body>">. The id and the time
 * are signed with the body, so PhotAI DAM acts once per delivery and refuses ones older than five minutes.
 * Works as a regular plugin or dropped into wp-content/mu-plugins/.
 */

if (!defined('ABSPATH')) {
    exit;
}

function photai_dam_setting($constant, $option) {
    if (defined($constant)) {
        return (string) constant($constant);
    }
    return (string) get_option($option, '');
}

function photai_dam_send($event, array $data) {
    $url = photai_dam_setting('PHOTAI_DAM_WEBHOOK_URL', 'photai_dam_webhook_url');
    $secret = photai_dam_setting('PHOTAI_DAM_WEBHOOK_SECRET', 'photai_dam_webhook_secret');
    if ($url === '' || $secret === '') {
        return;
    }
    $delivery = wp_generate_uuid4();
    $timestamp = (string) time();
    $body = wp_json_encode(array_merge(
        array('event' => $event, 'site_url' => home_url(), 'sent_at' => (int) $timestamp),
        $data
    ));
    $signature = hash_hmac('sha256', $delivery . '.' . $timestamp . '.' . $body, $secret);
    // wp_remote_post, not wp_safe_remote_post: the URL is the admin's own configuration, and a DAM on a
    // private address is a normal deployment.
    $response = wp_remote_post($url, array(
        'timeout' => 5,
        'headers' => array(
            'Content-Type' => 'application/json',
            'X-PhotAI-Event' => $event,
            'X-PhotAI-Delivery' => $delivery,
            'X-PhotAI-Timestamp' => $timestamp,
            'X-PhotAI-Signature' => 'sha256=' . $signature,
        ),
        'body' => $body,
    ));
    if (is_wp_error($response)) {
        error_log('PhotAI DAM webhook failed: ' . $response->get_error_message());
    }
}

// Fires before an attachment and its files are deleted (trash is not used for media without MEDIA_TRASH).
add_action('delete_attachment', function ($post_id) {
    photai_dam_send('attachment.deleted', array('attachment_id' => (int) $post_id));
});
