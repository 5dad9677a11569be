import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ApiError } from './api.ts';
import './styles.css';

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
