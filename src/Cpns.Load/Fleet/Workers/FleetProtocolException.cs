namespace Cpns.Load.Fleet.Workers;

/// <summary>A line between the bench process and a fleet worker that is not one of the protocol's messages.</summary>
internal sealed class FleetProtocolException : Exception
{
    public FleetProtocolException()
    {
    }

    public FleetProtocolException(string message)
        : base(message)
    {
    }

    public FleetProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
