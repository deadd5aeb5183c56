namespace Cpns.Server.Tests.Support;

/// <summary>Which broker a delivery test runs on.</summary>
public enum BrokerKind
{
    Embedded,
    Mosquitto,
}
