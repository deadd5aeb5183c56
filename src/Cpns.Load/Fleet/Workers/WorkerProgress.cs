namespace Cpns.Load.Fleet.Workers;

/// <summary>A fleet worker's progress: each step becomes a <see cref="ProgressEvent"/> for the bench process's bar (stages are the bench process's to name).</summary>
internal sealed class WorkerProgress(Action<FleetEvent> post) : ILoadProgress
{
    public void Stage(string description, double total)
    {
        // The bench process shows one stage for all workers.
    }

    public void Advance(double steps = 1) => post(new ProgressEvent((int)steps));

    public void Note(string text)
    {
        // Nothing a worker notes is shown.
    }
}
