namespace Cpns.Transport;

/// <summary>The kinds of topic in docs/architecture.md.</summary>
public enum TopicKind
{
    /// <summary><c>cpns/v1/gw/{gatewayId}/down</c>: server to one PN GW.</summary>
    GatewayDown = 1,

    /// <summary><c>cpns/v1/gw/{gatewayId}/up</c>: one PN GW to the server.</summary>
    GatewayUp,

    /// <summary><c>cpns/v1/relay/{groupId}/{gatewayId}</c>: group messages relayed between PN GWs.</summary>
    Relay,

    /// <summary><c>cpns/v1/pn/{pnId}/groups/{groupId}</c>: retained Group Key broadcast to all PNEs.</summary>
    PnGroup,

    /// <summary><c>cpns/v1/pn/{pnId}/pne/{pneId}/down</c>: PN GW to one PNE.</summary>
    PneDown,

    /// <summary><c>cpns/v1/pn/{pnId}/pne/{pneId}/up</c>: one PNE to its PN GW.</summary>
    PneUp,

    /// <summary><c>cpns/v1/pn/{pnId}/messages/{groupId}</c>: group messages to the PNEs of a PN.</summary>
    PnMessages,

    /// <summary><c>cpns/v1/pn/{pnId}/pairing/{pairingId}/up</c>: pairing client to the PN GW.</summary>
    PairingUp,

    /// <summary><c>cpns/v1/pn/{pnId}/pairing/{pairingId}/down</c>: PN GW to a pairing client.</summary>
    PairingDown,
}
