using Cpns.Protocol.V1;

namespace Cpns.Gateway.Hosting;

/// <summary>
/// The PN GW's way to the CPNS Server for what it sends unasked: Group Key Delivery Reports
/// (flow 6.x.y step 7), PN Inventory Reports after a pairing or a removal, and group messages to relay to
/// the group's other PNs. Implemented by the server link (MQTT client on <c>cpns/v1/gw/{id}/up</c> and
/// <c>cpns/v1/relay/{group}/{id}</c>); without one the host logs and drops these.
/// </summary>
/// <remarks>
/// The other direction is <see cref="GatewayHost.HandleServerEnvelopeAsync"/>: the link hands every envelope
/// from <c>cpns/v1/gw/{id}/down</c> to it and publishes the answer it returns, and hands relayed group
/// messages to <see cref="GatewayHost.DeliverRelayedGroupMessageAsync"/>.
/// </remarks>
public interface IServerUplink
{
    /// <summary>Sends one envelope to the CPNS Server (at least once).</summary>
    /// <param name="envelope">A GroupKeyDeliveryReport or PnInventoryReport.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the message is handed to the transport.</returns>
    public Task SendAsync(Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Relays a group message from a PNE of this PN to the group's other PNs.</summary>
    /// <param name="groupId">The Service Group.</param>
    /// <param name="groupMessage">The encoded <c>GroupMessage</c>, unchanged.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the message is handed to the transport.</returns>
    public Task RelayGroupMessageAsync(string groupId, ReadOnlyMemory<byte> groupMessage, CancellationToken cancellationToken);
}
