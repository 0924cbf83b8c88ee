import { Link } from 'react-router';
import { Button } from '../components/ui/button.js';

/** Any other address: says so and points home. */
export function NotFoundPage() {
  return (
    <main className="mx-auto grid max-w-md gap-3 p-6">
      <h1 className="text-xl font-semibold">Nothing here</h1>
      <p className="text-dim">This address is not a page of chat.</p>
      <div>
        <Button asChild>
          <Link to="/">Go to your rooms</Link>
        </Button>
      </div>
    </main>
  );
}
