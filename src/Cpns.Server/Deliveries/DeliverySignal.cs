namespace Cpns.Server.Deliveries;

/// <summary>
/// Wakes this instance's delivery dispatcher when a delivery row was committed here, so a new epoch goes out at once
/// instead of at the next poll. Rows committed by other instances are found by the poll.
/// </summary>
internal sealed class DeliverySignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every row committed before it is consumed.
        }
    }

    /// <summary>Waits for a signal or the timeout; true when signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
