namespace Cpns.Transport;

/// <summary>A PN broker's ACL (docs/architecture.md, "PN broker of one PN GW").</summary>
internal sealed class PnBrokerPolicy : ITopicAuthorizationPolicy
{
    private readonly string _gatewayIdentity;
    private readonly TopicRuleSet _gateway;
    private readonly TopicRuleSet _pne;
    private readonly TopicRuleSet _pairing;

    public PnBrokerPolicy(string pnId, string gatewayIdentity)
    {
        var pn = $"{Topics.Root}/pn/{Topics.Id(pnId, nameof(pnId))}";
        _gatewayIdentity = Topics.Id(gatewayIdentity, nameof(gatewayIdentity));

        _gateway = new TopicRuleSet(
            "outside the gateway's PN",
            publish: [$"{pn}/#"],
            subscribe: [$"{pn}/#"]);

        // A PNE reads the PN's broadcasts and its own downlink, and writes only its own uplink.
        _pne = new TopicRuleSet(
            "not the PNE's own topic or a PN broadcast",
            publish: [$"{pn}/pne/{{self}}/up"],
            subscribe: [$"{pn}/groups/{{id}}", $"{pn}/pne/{{self}}/down", $"{pn}/messages/{{id}}"]);

        _pairing = new TopicRuleSet(
            "not the pairing client's own pairing topic",
            publish: [$"{pn}/pairing/{{self}}/up"],
            subscribe: [$"{pn}/pairing/{{self}}/down"]);
    }

    public TopicAuthorization Authorize(PeerIdentity peer, string topic, TopicAction action)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var rules = peer.Kind switch
        {
            PeerKind.Pairing => _pairing,
            _ when string.Equals(peer.Id, _gatewayIdentity, StringComparison.Ordinal) => _gateway,
            _ => _pne,
        };
        return rules.Authorize(peer.Id, topic, action);
    }
}
