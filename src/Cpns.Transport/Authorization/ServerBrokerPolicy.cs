namespace Cpns.Transport;

/// <summary>The CPNS Server broker's ACL (docs/architecture.md, "Server broker").</summary>
internal sealed class ServerBrokerPolicy : ITopicAuthorizationPolicy
{
    private readonly string _serverIdentity;

    // The server reads every uplink and writes every downlink.
    private readonly TopicRuleSet _server = new(
        "outside cpns/v1/gw/# for the server",
        publish: [$"{Topics.Root}/gw/#"],
        subscribe: [$"{Topics.Root}/gw/#"]);

    // A gateway writes only its own uplink and relays under its own id; reads its downlink and any relay.
    private readonly TopicRuleSet _gateway = new(
        "not the gateway's own topic",
        publish: [$"{Topics.Root}/gw/{{self}}/up", $"{Topics.Root}/relay/{{id}}/{{self}}"],
        subscribe: [$"{Topics.Root}/gw/{{self}}/down", $"{Topics.Root}/relay/{{id}}/{{id}}"]);

    public ServerBrokerPolicy(string serverIdentity) => _serverIdentity = Topics.Id(serverIdentity, nameof(serverIdentity));

    public TopicAuthorization Authorize(PeerIdentity peer, string topic, TopicAction action)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (peer.Kind != PeerKind.Certificate)
        {
            return TopicAuthorization.Deny("pairing clients have no topics on the server broker");
        }

        var rules = string.Equals(peer.Id, _serverIdentity, StringComparison.Ordinal) ? _server : _gateway;
        return rules.Authorize(peer.Id, topic, action);
    }
}
