using System.Net;
using Cpns.Transport;

namespace Cpns.Cli;

/// <summary>
/// A Mosquitto configuration for the CPNS Server's external broker (docs/operations.md): TLS with client certificates
/// from the server CA only, the certificate CN as the user name, and the topic ACL of docs/architecture.md — a gateway
/// reads its own downlink, writes its own uplink and relays group messages under its own id; the server reads and
/// writes every gateway topic.
/// </summary>
internal static class MosquittoConfig
{
    public const string ConfigFileName = "mosquitto.conf";

    public const string AclFileName = "acl";

    /// <summary>Writes <c>mosquitto.conf</c> and <c>acl</c> beside the <c>ca.crt</c>, <c>broker.crt</c> and <c>broker.key</c> of <c>broker-cert</c>.</summary>
    public static async Task WriteAsync(string directory, IPEndPoint listen, CancellationToken cancellationToken)
    {
        // %u is the user name, which use_identity_as_username makes the client certificate's CN.
        await File.WriteAllTextAsync(Path.Combine(directory, AclFileName), $"""
            # CPNS: gateways use only their own topics; the server uses every gateway's.
            pattern read cpns/v1/gw/%u/down
            pattern write cpns/v1/gw/%u/up
            pattern write cpns/v1/relay/+/%u
            # A pattern line applies to every user; a topic line before the first user line only to anonymous clients.
            pattern read cpns/v1/relay/#

            user {TopicPolicies.DefaultServerIdentity}
            topic readwrite cpns/v1/gw/#

            """, cancellationToken).ConfigureAwait(false);
        var host = listen.Address.ToString();
        await File.WriteAllTextAsync(Path.Combine(directory, ConfigFileName), $"""
            # CPNS external broker (cpns server broker-cert --mosquitto-listen {listen}).
            # Started as root, Mosquitto switches to this user: the one that owns broker.key (mode 0600).
            user {Environment.UserName}
            per_listener_settings false
            allow_anonymous false
            persistence false
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            listener {listen.Port} {host}
            cafile {directory}/ca.crt
            certfile {directory}/broker.crt
            keyfile {directory}/broker.key
            require_certificate true
            use_identity_as_username true
            # The lowest version accepted; TLS 1.3 is negotiated when both ends have it.
            tls_version tlsv1.2
            acl_file {directory}/{AclFileName}

            """, cancellationToken).ConfigureAwait(false);
    }
}
