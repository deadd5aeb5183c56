namespace Cpns.Server.Mqtt;

/// <summary>An encoded envelope to publish on a gateway's downlink in answer to its message.</summary>
internal sealed record UplinkReply(string GatewayId, byte[] Payload);
