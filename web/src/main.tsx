import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ApiError } from './api.ts';
// In this order: later files build on (and, at equal specificity, override) earlier ones.
import './styles/base.css';
import './styles/layout.css';
import './styles/forms.css';
import './styles/tables.css';
import './styles/feedback.css';
import './styles/dialogs.css';
import './styles/code.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // Refused requests (bad token, no access, not found) are not retried; network hiccups are, twice.
      retry: (failures, error) => !(error instanceof ApiError && error.status > 0) && failures < 2,
      staleTime: 2000,
    },
  },
});

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={client}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
